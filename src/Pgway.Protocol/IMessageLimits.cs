namespace Pgway.Protocol;

/// <summary>
/// The longest body a <see cref="MessageScanner"/> accepts for each message type: a message
/// announcing more is a protocol violation, refused before any of its body is buffered.
/// Implemented by structs, so that the scanner's check costs no call through an interface.
/// </summary>
public interface IMessageLimits
{
    /// <summary>The longest body (bytes after the 5-byte header) a message of <paramref name="type"/> may have.</summary>
    int MaxBodyLength(byte type);
}
