namespace Pgway.Pooling;

/// <summary>A client's wait for a server ended by its own cancel request.</summary>
internal sealed class WaitCancelledException : Exception
{
    public WaitCancelledException()
        : base("canceling statement due to user request")
    {
    }
}
