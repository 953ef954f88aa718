namespace Pgway.Routing.Epoll;

/// <summary>The process's epoll loops, one per CPU, started on first use; sessions are spread over them in turn.</summary>
internal static class EpollLoops
{
    private static readonly Lazy<EpollLoop[]> Loops = new(() =>
        [.. Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount)).Select(i => new EpollLoop($"pgway splice {i}"))]);

    private static int next;

    public static EpollLoop Next()
    {
        var loops = Loops.Value;
        return loops[(int)((uint)Interlocked.Increment(ref next) % (uint)loops.Length)];
    }
}
