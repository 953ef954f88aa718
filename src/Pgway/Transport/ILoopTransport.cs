namespace Pgway.Transport;

/// <summary>
/// A connection served on one <see cref="EpollLoop"/>'s thread, as a pooler session reads and writes
/// it: try a receive, wait only when nothing is there, send everything. <see cref="LoopSocket"/> is
/// the plaintext one (and the one every session starts with); a TLS connection wraps one. Every
/// member must be used on the loop's thread.
/// </summary>
internal interface ILoopTransport : IDisposable
{
    /// <summary>Reads what is there without waiting: the count, 0 at end of stream, or -1 when nothing is there yet.</summary>
    /// <exception cref="System.Net.Sockets.SocketException">The connection failed.</exception>
    int TryReceive(Span<byte> buffer);

    /// <summary>Completes when bytes (or an end of stream, or an error) can be read, or when woken.</summary>
    ValueTask WaitReadableAsync();

    /// <summary>Writes all of <paramref name="data"/>, waiting for room when needed.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> data);

    /// <summary>Something arrived (or the peer closed or failed) that nobody has read: for an idle server, a sign it is no longer usable.</summary>
    bool ReadableReported { get; }

    /// <summary>Forgets a readability report that a receive since has used up.</summary>
    void ForgetConsumedReadable();

    /// <summary>Completes waits under way normally (the waiter must see for itself why).</summary>
    void WakeWaits();

    /// <summary>Ends waits under way with <see cref="OperationCanceledException"/>.</summary>
    void CancelWaits();
}
