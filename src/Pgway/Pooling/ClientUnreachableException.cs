namespace Pgway.Pooling;

/// <summary>A write to the client failed (its connection reset or closed): the client's side failed, not the server's.</summary>
internal sealed class ClientUnreachableException(Exception inner) : Exception("the client's connection failed: " + inner.Message, inner);
