using Microsoft.Extensions.Time.Testing;
using Pgway.Agent;

namespace Pgway.Tests.Agent;

public class InstanceStatusCacheTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private int reads;

    [Fact]
    public async Task GetAsync_BurstWhileReading_OneReadAnswersAll()
    {
        var release = new TaskCompletionSource();
        var cache = new InstanceStatusCache(async _ =>
        {
            Interlocked.Increment(ref reads);
            await release.Task;
            return Status();
        }, TimeSpan.FromMilliseconds(200), time);

        var burst = Enumerable.Range(0, 50).Select(_ => cache.GetAsync(CancellationToken.None)).ToList();
        release.SetResult();
        var answers = await Task.WhenAll(burst);

        Assert.Equal(1, reads);
        Assert.All(answers, a => Assert.Same(answers[0], a));
    }

    [Fact]
    public async Task GetAsync_WithinMaxAge_CachedAndAfterItReadAgain()
    {
        var cache = new InstanceStatusCache(_ => { Interlocked.Increment(ref reads); return Task.FromResult(Status()); }, TimeSpan.FromMilliseconds(200), time);

        var first = await cache.GetAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(199));
        var cached = await cache.GetAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var fresh = await cache.GetAsync(CancellationToken.None);

        Assert.Same(first, cached);
        Assert.NotSame(first, fresh);
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task GetAsync_CallerGivesUp_OthersStillGetTheAnswer()
    {
        var release = new TaskCompletionSource();
        var cache = new InstanceStatusCache(async _ => { await release.Task; return Status(); }, TimeSpan.FromMilliseconds(200), time);
        using var impatient = new CancellationTokenSource();

        var givingUp = cache.GetAsync(impatient.Token);
        var waiting = cache.GetAsync(CancellationToken.None);
        await impatient.CancelAsync();
        release.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => givingUp);
        Assert.Equal(PostgresState.Running, (await waiting).State);
    }

    [Fact]
    public async Task GetAsync_ReaderThrows_UnknownStatusInsteadOfFault()
    {
        var cache = new InstanceStatusCache(_ => throw new InvalidOperationException("bug"), TimeSpan.FromMilliseconds(200), time);

        var status = await cache.GetAsync(CancellationToken.None);

        Assert.Equal(PostgresState.Unknown, status.State);
        Assert.Equal("bug", status.Error);
    }

    private InstanceStatus Status() => new(PostgresState.Running, NodeRole.Primary, time.GetUtcNow());
}
