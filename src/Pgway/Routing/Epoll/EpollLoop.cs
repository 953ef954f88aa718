using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static Pgway.Routing.Epoll.EpollInterop;

namespace Pgway.Routing.Epoll;

/// <summary>
/// One thread waiting on one epoll set, as HAProxy runs a thread: the descriptors it watches are
/// served on it alone, so a session's two sockets never hand work to another thread. Work from
/// other threads (a new session, a cancellation) is posted and the loop woken through an eventfd.
/// Registration and the target table are touched on the loop's thread only.
/// </summary>
internal sealed unsafe class EpollLoop
{
    private const int MaxEvents = 256;
    private const ulong WakeToken = 0;

    private readonly int epoll;
    private readonly int wake;
    private readonly ConcurrentQueue<Action> posted = new();
    private readonly Dictionary<ulong, IEpollTarget> targets = [];
    private readonly List<LoopTick> ticks = [];
    private ulong lastToken;
    private int wakePending;
    private readonly int threadId;

    public EpollLoop(string name)
    {
        epoll = epoll_create1(CloseOnExec);
        if (epoll < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        }
        wake = eventfd(0, CloseOnExec | EventFdNonBlocking);
        if (wake < 0 || Control(epoll, CtlAdd, wake, In, WakeToken) < 0)
        {
            throw new InvalidOperationException($"eventfd for the epoll loop failed: errno {Marshal.GetLastPInvokeError()}");
        }
        var thread = new Thread(Run) { IsBackground = true, Name = name };
        thread.Start();
        threadId = thread.ManagedThreadId;
    }

    /// <summary>Runs <paramref name="action"/> on the loop's thread, soon.</summary>
    public void Post(Action action)
    {
        posted.Enqueue(action);
        // One wake-up per batch of posts: the loop clears the flag before it drains the queue.
        if (Interlocked.Exchange(ref wakePending, 1) == 0)
        {
            ulong one = 1;
            write(wake, &one, sizeof(ulong));
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the loop's thread as a coroutine: its awaits of loop sockets
    /// resume on that thread. The task completes (on the thread pool) when the work has.
    /// </summary>
    public Task<T> RunAsync<T>(Func<Task<T>> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() => work().ContinueWith(static (finished, state) =>
        {
            var done = (TaskCompletionSource<T>)state!;
            if (finished.IsFaulted)
            {
                done.TrySetException(finished.Exception!.InnerExceptions);
            }
            else if (finished.IsCanceled)
            {
                done.TrySetCanceled();
            }
            else
            {
                done.TrySetResult(finished.Result);
            }
        }, done, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
        return done.Task;
    }

    /// <summary>
    /// Runs <paramref name="tick"/> on the loop's thread about every <paramref name="period"/>, from
    /// the loop's own wait: no timer thread and no thread-pool worker wake up for it, and a busy loop
    /// runs it between events. Disposing stops it (a tick under way finishes).
    /// </summary>
    public IDisposable Every(TimeSpan period, Action tick)
    {
        var entry = new LoopTick(this, Math.Max(1, (long)period.TotalMilliseconds), tick);
        Post(() =>
        {
            entry.Due = Environment.TickCount64 + entry.Period;
            ticks.Add(entry);
        });
        return entry;
    }

    /// <summary><c>await loop.SwitchTo()</c>: continue on the loop's thread (after awaiting something of another thread).</summary>
    public LoopSwitch SwitchTo() => new(this);

    /// <summary>Whether the calling thread is this loop's.</summary>
    public bool IsCurrent => Environment.CurrentManagedThreadId == threadId;

    /// <summary>On the loop's thread: watches <paramref name="fd"/>; 0 when the kernel refused (errno in <see cref="Marshal.GetLastPInvokeError"/>).</summary>
    public ulong Register(int fd, uint events, IEpollTarget target)
    {
        var token = ++lastToken;
        if (Control(epoll, CtlAdd, fd, events, token) < 0)
        {
            return 0;
        }
        targets[token] = target;
        return token;
    }

    /// <summary>On the loop's thread: changes what <paramref name="fd"/> is watched for.</summary>
    public bool Modify(int fd, uint events, ulong token) => Control(epoll, CtlModify, fd, events, token) == 0;

    /// <summary>
    /// On the loop's thread: takes <paramref name="fd"/> out of the epoll set for a while (a hang-up
    /// is reported whatever the interest, so a socket that cannot be served yet must leave the set);
    /// <see cref="Resume"/> puts it back. Its token stays valid.
    /// </summary>
    public void Suspend(int fd) => Control(epoll, CtlDelete, fd, 0, 0);

    /// <summary>On the loop's thread: puts a suspended descriptor back, with the interest given.</summary>
    public bool Resume(int fd, uint events, ulong token) => Control(epoll, CtlAdd, fd, events, token) == 0;

    /// <summary>On the loop's thread: stops watching; events already fetched for it are dropped.</summary>
    public void Unregister(int fd, ulong token)
    {
        Control(epoll, CtlDelete, fd, 0, token);
        targets.Remove(token);
    }

    // Entered once and never left: compiled optimized at once rather than through on-stack replacement.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run()
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * EventSize));
        while (true)
        {
            var count = epoll_wait(epoll, events, MaxEvents, ticks.Count == 0 ? -1 : MillisecondsToNextTick());
            if (ticks.Count > 0)
            {
                RunDueTicks();
            }
            if (count < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                Debug.Assert(errno == Interrupted, $"epoll_wait failed: errno {errno}");
                continue;
            }
            for (var i = 0; i < count; i++)
            {
                var token = DataAt(events, i);
                if (token == WakeToken)
                {
                    ulong value;
                    read(wake, &value, sizeof(ulong));
                    // A full fence, not a release store: the queue must be read after the flag is
                    // cleared, or a Post between the two would see the flag still set, skip the
                    // wake-up, and its action would wait for the next post (for ever, at a stop).
                    Interlocked.Exchange(ref wakePending, 0);
                    RunPosted();
                }
                else if (targets.TryGetValue(token, out var target))
                {
                    Dispatch(target, EventsAt(events, i));
                }
            }
        }
    }

    private int MillisecondsToNextTick()
    {
        var next = long.MaxValue;
        foreach (var tick in ticks)
        {
            next = Math.Min(next, tick.Due);
        }
        return (int)Math.Clamp(next - Environment.TickCount64, 0, int.MaxValue);
    }

    private void RunDueTicks()
    {
        var now = Environment.TickCount64;
        for (var i = 0; i < ticks.Count; i++)
        {
            var tick = ticks[i];
            if (tick.Stopped)
            {
                ticks.RemoveAt(i--);
                continue;
            }
            if (tick.Due <= now)
            {
                // Late ticks are not caught up: the next is a period from now.
                tick.Due = now + tick.Period;
                try
                {
                    tick.Action();
                }
                catch (Exception e)
                {
                    Trace.TraceError($"pgway epoll loop tick: {e}");
                }
            }
        }
    }

    private sealed class LoopTick(EpollLoop loop, long period, Action action) : IDisposable
    {
        private bool stopped;

        public long Period { get; } = period;

        public Action Action { get; } = action;

        public long Due { get; set; }

        public bool Stopped => Volatile.Read(ref stopped);

        // Taken out of the loop's list at its next tick; wakes the loop so that happens soon.
        public void Dispose()
        {
            Volatile.Write(ref stopped, true);
            loop.Post(static () => { });
        }
    }

    private void RunPosted()
    {
        while (posted.TryDequeue(out var action))
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                // A fault in one session must not stop the others this thread serves.
                Trace.TraceError($"pgway epoll loop: {e}");
            }
        }
    }

    private static void Dispatch(IEpollTarget target, uint events)
    {
        try
        {
            target.OnEvents(events);
        }
        catch (Exception e)
        {
            Trace.TraceError($"pgway epoll loop: {e}");
        }
    }
}
