namespace Pgway.Switchover;

/// <summary>A switchover step failed: the message says why and what to do, and ends the switchover.</summary>
internal sealed class SwitchoverException : Exception
{
    public SwitchoverException()
    {
    }

    public SwitchoverException(string message)
        : base(message)
    {
    }

    public SwitchoverException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
