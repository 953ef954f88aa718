using System.Threading.Tasks.Sources;
using Pgway.Transport;

namespace Pgway.Pooling;

/// <summary>
/// A client's place in a pool's queue, resumed on the client's own loop: inline when granted a
/// server or slot on that loop, posted to it otherwise (and always when its wait is ended without
/// one); no thread-pool hop, and no timer of its own (the pooler's sweep
/// expires waiters by their deadline). One client owns one, and re-arms it for each wait, so a
/// wait allocates nothing: no node (the queue links waiters through their own fields), no closure
/// (the posted completion is one delegate made with the waiter).
/// </summary>
/// <remarks>
/// Settled exactly once per wait, by whoever took it out of the queue under the pool's lock, and
/// always outside that lock (its continuation is the client's session).
/// </remarks>
internal sealed class PoolWaiter : IValueTaskSource<PoolAcquisition>
{
    private readonly Action complete;
    private ManualResetValueTaskSourceCore<PoolAcquisition> core;
    private PoolAcquisition pending;

    public PoolWaiter()
    {
        complete = Complete;
    }

    public EpollLoop Loop { get; private set; } = null!;

    /// <summary>When this wait began: <c>reserve_pool_timeout</c> and SHOW POOLS' <c>maxwait</c> count from it.</summary>
    public DateTimeOffset Since { get; private set; }

    /// <summary>When <c>query_wait_timeout</c> ends this wait; <see cref="DateTimeOffset.MaxValue"/> for none.</summary>
    public DateTimeOffset Deadline { get; private set; }

    // The queue's links (see WaitQueue): set and read under the pool's lock only.
    internal PoolWaiter? Previous { get; set; }

    internal PoolWaiter? Next { get; set; }

    internal bool Queued { get; set; }

    /// <summary>For a new wait on <paramref name="loop"/>: the previous one must have been awaited to its end.</summary>
    public ValueTask<PoolAcquisition> Arm(EpollLoop loop, DateTimeOffset since, DateTimeOffset deadline)
    {
        core.Reset();
        Loop = loop;
        Since = since;
        Deadline = deadline;
        return new(this, core.Version);
    }

    /// <summary>
    /// Gives the waiter a server or a slot: at once when called on the waiter's loop (a server
    /// released there goes on with no hop), else posted there.
    /// </summary>
    public void Grant(PoolAcquisition result)
    {
        if (Loop.IsCurrent)
        {
            core.SetResult(result);
            return;
        }
        End(result);
    }

    /// <summary>
    /// Ends the wait, always posted to the waiter's loop: a cancel or a timeout comes from the
    /// session's own code, which must finish what it is doing before the session goes on.
    /// </summary>
    public void End(PoolAcquisition result)
    {
        pending = result;
        Loop.Post(complete);
    }

    private void Complete()
    {
        var result = pending;
        pending = default;
        core.SetResult(result);
    }

    public PoolAcquisition GetResult(short token) => core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        core.OnCompleted(continuation, state, token, flags & ~(ValueTaskSourceOnCompletedFlags.UseSchedulingContext | ValueTaskSourceOnCompletedFlags.FlowExecutionContext));
}
