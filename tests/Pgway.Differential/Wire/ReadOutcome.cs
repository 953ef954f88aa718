namespace Pgway.Differential.Wire;

/// <summary>How a read ended.</summary>
public enum ReadOutcome
{
    /// <summary>Every expected answer arrived.</summary>
    Complete,

    /// <summary>The peer closed the connection first.</summary>
    Closed,

    /// <summary>No message arrived within the read timeout.</summary>
    TimedOut,
}
