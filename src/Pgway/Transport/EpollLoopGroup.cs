namespace Pgway.Transport;

/// <summary>
/// The epoll loops a process serves its sessions on, as HAProxy runs <c>nbthread</c> threads: made
/// once by the host and handed to every listener and pooler, which spread their sessions over the
/// loops in turn. The loops start on first use (a process that never serves a session starts no
/// thread) and stop when the group is disposed; their timers run on the group's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class EpollLoopGroup : IDisposable
{
    /// <summary>The environment variable that sets the number of loops (read once, at start-up, by <c>pgway serve</c>).</summary>
    public const string ThreadsVariable = "PGWAY_SPLICE_THREADS";

    /// <summary>At most this many loops, whatever the setting says.</summary>
    public const int MaxCount = 1024;

    private readonly Lazy<EpollLoop[]> loops;
    private readonly TimeProvider time;
    private int next;
    private int disposed;

    /// <param name="count">How many loops (1 to <see cref="MaxCount"/>).</param>
    public EpollLoopGroup(int count, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxCount);
        ArgumentNullException.ThrowIfNull(time);
        Count = count;
        this.time = time;
        loops = new(() => [.. Enumerable.Range(0, Count).Select(i => new EpollLoop($"pgway splice {i}", this.time))]);
    }

    /// <summary>One loop per CPU.</summary>
    public static int DefaultCount => Math.Max(1, Environment.ProcessorCount);

    public int Count { get; }

    /// <summary>
    /// The number of loops <paramref name="value"/> (the environment variable's text) asks for, or
    /// <see cref="DefaultCount"/> when it is unset or not a number from 1 to <see cref="MaxCount"/>.
    /// </summary>
    public static int CountFrom(string? value) =>
        int.TryParse(value, out var count) && count is > 0 and <= MaxCount ? count : DefaultCount;

    /// <summary>The loop the next session goes to (round robin).</summary>
    internal EpollLoop Next()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) == 1, this);
        var all = loops.Value;
        return all[(int)((uint)Interlocked.Increment(ref next) % (uint)all.Length)];
    }

    /// <summary>Stops the loops' threads, each once the sessions still on it have ended.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1 || !loops.IsValueCreated)
        {
            return;
        }
        foreach (var loop in loops.Value)
        {
            loop.Dispose();
        }
    }
}
