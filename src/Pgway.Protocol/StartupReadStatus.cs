namespace Pgway.Protocol;

/// <summary>The outcome of trying to read a start-up packet from what has arrived so far.</summary>
public enum StartupReadStatus
{
    /// <summary>A whole packet was read.</summary>
    Complete,

    /// <summary>Not all of it has arrived yet: read more and try again.</summary>
    Incomplete,

    /// <summary>The bytes break the protocol; answer with an error (08P01) and close.</summary>
    Invalid,
}
