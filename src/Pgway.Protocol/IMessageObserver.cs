namespace Pgway.Protocol;

/// <summary>Told by a <see cref="MessageScanner"/> what passes.</summary>
public interface IMessageObserver
{
    /// <summary>A message starts; return true to be given its body (keep such bodies small: they are copied).</summary>
    bool OnMessage(byte type, int bodyLength);

    /// <summary>
    /// A piece of a body asked for; <paramref name="last"/> on its final piece (an empty body gives one
    /// empty last piece). Returning true on the last piece stops the scan right after this message
    /// (<see cref="MessageScanner.Scan{TObserver}(ReadOnlySpan{byte}, int, TObserver, out int)"/> says where).
    /// </summary>
    bool OnBody(ReadOnlySpan<byte> part, bool last);
}
