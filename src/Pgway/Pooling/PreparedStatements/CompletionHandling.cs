namespace Pgway.Pooling.PreparedStatements;

/// <summary>What happens to a request's completion on its way to the client.</summary>
internal enum CompletionHandling : byte
{
    /// <summary>The client's own request: its completion goes to the client.</summary>
    Forward,

    /// <summary>Sent by pgway (a Parse before a Bind, a Close of an evicted statement): the client never sees its completion.</summary>
    Skip,

    /// <summary>Answered by pgway (a Parse of a statement the server has, a Close): pgway makes the completion, in its place in the order.</summary>
    Fake,
}
