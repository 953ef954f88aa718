using System.Threading.Tasks.Sources;

namespace Pgway.Transport;

/// <summary>
/// One awaitable, reused for wait after wait with no allocation: completes inline, on the thread
/// that completes it (a loop's). One wait at a time; used on one loop's thread only.
/// </summary>
internal sealed class LoopWaiter : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> core;

    public bool Waiting { get; private set; }

    public ValueTask Start()
    {
        if (Waiting)
        {
            throw new InvalidOperationException("a wait is already under way on this waiter");
        }
        core.Reset();
        Waiting = true;
        return new ValueTask(this, core.Version);
    }

    /// <summary>Completes the wait under way; false when nobody was waiting.</summary>
    public bool Complete()
    {
        if (!Waiting)
        {
            return false;
        }
        Waiting = false;
        core.SetResult(true);
        return true;
    }

    public void Fail(Exception e)
    {
        if (Waiting)
        {
            Waiting = false;
            core.SetException(e);
        }
    }

    public void GetResult(short version) => core.GetResult(version);

    public ValueTaskSourceStatus GetStatus(short version) => core.GetStatus(version);

    public void OnCompleted(Action<object?> continuation, object? state, short version, ValueTaskSourceOnCompletedFlags flags) =>
        // Neither the synchronization context nor the execution context: the loop's thread runs it now.
        core.OnCompleted(continuation, state, version, flags & ~(ValueTaskSourceOnCompletedFlags.UseSchedulingContext | ValueTaskSourceOnCompletedFlags.FlowExecutionContext));
}
