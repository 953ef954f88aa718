using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using static Pgway.Transport.EpollInterop;

namespace Pgway.Transport;

/// <summary>
/// One thread waiting on one epoll set, as HAProxy runs a thread: the descriptors it watches are
/// served on it alone, so a session's two sockets never hand work to another thread. Work from
/// other threads (a new session, a cancellation) is posted and the loop woken through an eventfd.
/// Registration and the target table are touched on the loop's thread only. Its timers run on the
/// <see cref="TimeProvider"/> it is given; a loop belongs to an <see cref="EpollLoopGroup"/>, which stops it.
/// </summary>
internal sealed unsafe class EpollLoop : IDisposable
{
    private const int MaxEvents = 256;
    private const ulong WakeToken = 0;

    private readonly int epoll;
    // A handle, not a bare descriptor: a Post racing the loop's stop must never write to a number the
    // kernel has already given to another file.
    private readonly SafeFileHandle wake;
    private readonly int wakeFd;
    private readonly TimeProvider time;
    private readonly ConcurrentQueue<Action> posted = new();
    private readonly Dictionary<ulong, IEpollTarget> targets = [];
    private readonly List<LoopTick> ticks = [];
    private ulong lastToken;
    private int wakePending;
    private readonly int threadId;
    private bool stopping;

    public EpollLoop(string name, TimeProvider time)
    {
        this.time = time;
        epoll = epoll_create1(CloseOnExec);
        if (epoll < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        }
        wakeFd = eventfd(0, CloseOnExec | EventFdNonBlocking);
        if (wakeFd < 0 || Control(epoll, CtlAdd, wakeFd, In, WakeToken) < 0)
        {
            throw new InvalidOperationException($"eventfd for the epoll loop failed: errno {Marshal.GetLastPInvokeError()}");
        }
        wake = new SafeFileHandle(wakeFd, ownsHandle: true);
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
            var referenced = false;
            try
            {
                wake.DangerousAddRef(ref referenced);
                ulong one = 1;
                write((int)wake.DangerousGetHandle(), &one, sizeof(ulong));
            }
            catch (ObjectDisposedException)
            {
                // Stopped: nothing runs on this loop any more.
            }
            finally
            {
                if (referenced)
                {
                    wake.DangerousRelease();
                }
            }
        }
    }

    /// <summary>
    /// Stops the loop's thread once no descriptor is registered on it any more: sessions still under
    /// way (a client waiting on a hung server) are served to their end, not abandoned with their
    /// sockets open. Its own descriptors close with it.
    /// </summary>
    public void Dispose() => Post(() => stopping = true);

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
        var entry = new LoopTick(this, period < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : period, tick);
        Post(() =>
        {
            entry.LastRun = time.GetTimestamp();
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
        while (!stopping || targets.Count > 0)
        {
            var count = epoll_wait(epoll, events, MaxEvents, ticks.Count == 0 ? -1 : MillisecondsToNextTick());
            // Read before the ticks run: their own system calls overwrite the last error.
            var errno = count < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (ticks.Count > 0)
            {
                RunDueTicks();
            }
            if (count < 0)
            {
                if (errno != Interrupted)
                {
                    Trace.TraceError($"pgway epoll loop: epoll_wait failed with errno {errno}");
                }
                continue;
            }
            for (var i = 0; i < count; i++)
            {
                var token = DataAt(events, i);
                if (token == WakeToken)
                {
                    ulong value;
                    // The loop's own thread closes the handle, after this loop: the descriptor is still its.
                    read(wakeFd, &value, sizeof(ulong));
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
        NativeMemory.Free(events);
        close(epoll);
        wake.Dispose();
    }

    // The wait until the next tick is due on the time provider's clock, in milliseconds, rounded up.
    private int MillisecondsToNextTick()
    {
        var now = time.GetTimestamp();
        var wait = TimeSpan.MaxValue;
        foreach (var tick in ticks)
        {
            var left = tick.Period - time.GetElapsedTime(tick.LastRun, now);
            wait = left < wait ? left : wait;
        }
        return wait <= TimeSpan.Zero ? 0 : (int)Math.Min(Math.Ceiling(wait.TotalMilliseconds), int.MaxValue);
    }

    private void RunDueTicks()
    {
        var now = time.GetTimestamp();
        for (var i = 0; i < ticks.Count; i++)
        {
            var tick = ticks[i];
            if (tick.Stopped)
            {
                ticks.RemoveAt(i--);
                continue;
            }
            if (time.GetElapsedTime(tick.LastRun, now) >= tick.Period)
            {
                // Late ticks are not caught up: the next is a period from now.
                tick.LastRun = now;
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

    private sealed class LoopTick(EpollLoop loop, TimeSpan period, Action action) : IDisposable
    {
        private bool stopped;

        public TimeSpan Period { get; } = period;

        public Action Action { get; } = action;

        /// <summary>The time provider's timestamp when the tick was started or last ran: it is due a period after.</summary>
        public long LastRun { get; set; }

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
