using System.Net;

namespace Pgway.Testing;

/// <summary>
/// A reserved run of consecutive loopback addresses, one per instance. Dispose to give it back.
/// </summary>
internal sealed class LoopbackBlock : IDisposable
{
    private readonly Action<LoopbackBlock> _release;
    private int _disposed;

    internal LoopbackBlock(int key, IReadOnlyList<IPAddress> addresses, IDisposable? crossProcessLock, Action<LoopbackBlock> release)
    {
        Key = key;
        Addresses = addresses;
        CrossProcessLock = crossProcessLock;
        _release = release;
    }

    /// <summary>The addresses, in instance order (the first is seq 1).</summary>
    public IReadOnlyList<IPAddress> Addresses { get; }

    /// <summary>The allocator's key for the block (the third octet of 127.77.k.x), or -1 for an explicit base address.</summary>
    internal int Key { get; }

    internal IDisposable? CrossProcessLock { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _release(this);
        }
    }
}
