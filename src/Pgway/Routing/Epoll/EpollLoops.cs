namespace Pgway.Routing.Epoll;

/// <summary>
/// The process's epoll loops, started on first use; sessions are spread over them in turn. One per
/// CPU unless <c>PGWAY_SPLICE_THREADS</c> says otherwise (HAProxy's <c>nbthread</c>).
/// </summary>
internal static class EpollLoops
{
    public const string ThreadsVariable = "PGWAY_SPLICE_THREADS";

    private static readonly Lazy<EpollLoop[]> Loops = new(() =>
        [.. Enumerable.Range(0, Count()).Select(i => new EpollLoop($"pgway splice {i}"))]);

    private static int next;

    public static EpollLoop Next()
    {
        var loops = Loops.Value;
        return loops[(int)((uint)Interlocked.Increment(ref next) % (uint)loops.Length)];
    }

    private static int Count() =>
        int.TryParse(Environment.GetEnvironmentVariable(ThreadsVariable), out var count) && count is > 0 and <= 1024
            ? count
            : Math.Max(1, Environment.ProcessorCount);
}
