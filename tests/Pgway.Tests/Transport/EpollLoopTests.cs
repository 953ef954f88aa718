using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Extensions.Time.Testing;
using Pgway.Transport;

namespace Pgway.Tests.Transport;

/// <summary>Periodic work run by an epoll loop from its own wait.</summary>
public sealed partial class EpollLoopTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private const int SignalChild = 17;

    // A signal interrupts the loop's wait (EINTR), and a tick's own failing system call (EBADF here)
    // must not be taken for the wait's error: the loop asserted on it and, built for debugging,
    // ended the process (seen in CI, where a VIP holder's child processes signal pgway).
    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task WaitInterruptedBySignals_WhileTicksFailSystemCalls_TheLoopGoesOnAndReportsNothing()
    {
        using var childSignals = PosixSignalRegistration.Create(PosixSignal.SIGCHLD, _ => { });
        using var errors = new WaitErrorListener();
        Trace.Listeners.Add(errors);
        try
        {
            using var loops = new EpollLoopGroup(1, TimeProvider.System);
            var loop = loops.Next();
            var loopThread = await loop.RunAsync(() => Task.FromResult(gettid())).WaitAsync(Bound);
            using var failing = loop.Every(TimeSpan.FromMilliseconds(1), ReadFromNoDescriptor);

            for (var i = 0; i < 200; i++)
            {
                Assert.Equal(0, tgkill(Environment.ProcessId, loopThread, SignalChild));
                await loop.RunAsync(() => Task.FromResult(0)).WaitAsync(Bound);
            }

            Assert.Equal(0, errors.WaitErrors);
        }
        finally
        {
            Trace.Listeners.Remove(errors);
        }
    }

    // Fails with EBADF, which becomes the thread's last system-call error.
    private static unsafe void ReadFromNoDescriptor()
    {
        ulong ignored;
        EpollInterop.read(-1, &ignored, sizeof(ulong));
    }

    [LibraryImport("libc")]
    private static partial int gettid();

    [LibraryImport("libc")]
    private static partial int tgkill(int tgid, int tid, int sig);

    private sealed class WaitErrorListener : TraceListener
    {
        private int waitErrors;

        public int WaitErrors => Volatile.Read(ref waitErrors);

        public override void Write(string? message) => Count(message);

        public override void WriteLine(string? message) => Count(message);

        private void Count(string? message)
        {
            if (message?.Contains("epoll_wait", StringComparison.Ordinal) == true)
            {
                Interlocked.Increment(ref waitErrors);
            }
        }
    }

    [Fact]
    public async Task Every_RunsRepeatedlyOnTheLoopThread_AndNotOnceStopped()
    {
        using var loops = new EpollLoopGroup(1, TimeProvider.System);
        var loop = loops.Next();
        var runs = 0;
        var offLoop = 0;
        var thirdRun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tick = loop.Every(TimeSpan.FromMilliseconds(10), () =>
        {
            if (!loop.IsCurrent)
            {
                Interlocked.Increment(ref offLoop);
            }
            if (Interlocked.Increment(ref runs) == 3)
            {
                thirdRun.TrySetResult();
            }
        });

        await thirdRun.Task.WaitAsync(Bound);
        tick.Dispose();
        // A tick already under way may finish; once the loop has run work posted after the
        // disposal, the tick is out of its list and the count stays.
        await loop.RunAsync(() => Task.FromResult(0)).WaitAsync(Bound);
        await loop.RunAsync(() => Task.FromResult(0)).WaitAsync(Bound);
        var stoppedAt = Volatile.Read(ref runs);
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var probe = loop.Every(TimeSpan.FromMilliseconds(50), () => later.TrySetResult());
        await later.Task.WaitAsync(Bound);

        Assert.Equal(0, Volatile.Read(ref offLoop));
        Assert.Equal(stoppedAt, Volatile.Read(ref runs));
    }

    [Fact]
    public async Task Every_OnFakeTime_RunsOnlyOnceItsPeriodHasPassedOnThatClock()
    {
        var time = new FakeTimeProvider();
        using var loops = new EpollLoopGroup(1, time);
        var loop = loops.Next();
        var runs = 0;
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var tick = loop.Every(TimeSpan.FromHours(1), () =>
        {
            Interlocked.Increment(ref runs);
            ran.TrySetResult();
        });
        // Posted work wakes the loop, which looks at its ticks each time it wakes.
        await loop.RunAsync(() => Task.FromResult(0)).WaitAsync(Bound);
        time.Advance(TimeSpan.FromMinutes(59));
        await loop.RunAsync(() => Task.FromResult(0)).WaitAsync(Bound);
        Assert.Equal(0, Volatile.Read(ref runs));

        time.Advance(TimeSpan.FromMinutes(1));
        await loop.RunAsync(() => Task.FromResult(0)).WaitAsync(Bound);
        await ran.Task.WaitAsync(Bound);

        Assert.Equal(1, Volatile.Read(ref runs));
    }

    [Fact]
    public async Task Next_SpreadsOverEveryLoopInTurn_EachOnItsOwnThread()
    {
        using var loops = new EpollLoopGroup(3, TimeProvider.System);

        var taken = Enumerable.Range(0, 6).Select(_ => loops.Next()).ToList();
        var threads = new List<int>();
        foreach (var loop in taken.Take(3))
        {
            threads.Add(await loop.RunAsync(() => Task.FromResult(Environment.CurrentManagedThreadId)).WaitAsync(Bound));
        }

        Assert.Equal(3, taken.Take(3).Distinct().Count());
        Assert.Equal(taken.Take(3), taken.Skip(3));
        Assert.Equal(3, threads.Distinct().Count());
    }

    [Fact]
    public void Next_AfterDispose_Throws()
    {
        var loops = new EpollLoopGroup(1, TimeProvider.System);
        loops.Next();
        loops.Dispose();

        Assert.Throws<ObjectDisposedException>(() => loops.Next());
    }

    [Theory]
    [InlineData(null, -1)]
    [InlineData("", -1)]
    [InlineData("abc", -1)]
    [InlineData("0", -1)]
    [InlineData("-3", -1)]
    [InlineData("1025", -1)]
    [InlineData("1", 1)]
    [InlineData("8", 8)]
    [InlineData("1024", 1024)]
    public void CountFrom_Setting_NumberOrOnePerCpu(string? value, int expected)
    {
        Assert.Equal(expected == -1 ? EpollLoopGroup.DefaultCount : expected, EpollLoopGroup.CountFrom(value));
    }
}
