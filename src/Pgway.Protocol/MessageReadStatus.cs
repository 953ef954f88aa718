namespace Pgway.Protocol;

/// <summary>What reading a message from the bytes at hand gave.</summary>
public enum MessageReadStatus
{
    /// <summary>Read; the out values hold it.</summary>
    Complete,

    /// <summary>More bytes are needed.</summary>
    Incomplete,

    /// <summary>The bytes break the protocol; the error says how (answer with SQLSTATE 08P01 and close).</summary>
    Invalid,
}
