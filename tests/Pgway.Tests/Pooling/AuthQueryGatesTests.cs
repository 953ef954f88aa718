using Pgway.Pooling.Authentication;

namespace Pgway.Tests.Pooling;

/// <summary>auth_query's gates: a few look-ups at a time per database, a bounded queue, nothing kept once unused.</summary>
public class AuthQueryGatesTests
{
    [Fact]
    public async Task Enter_OneDatabaseFull_AnotherStillEntersAtOnce()
    {
        var gates = new AuthQueryGates();
        for (var i = 0; i < AuthQueryGates.Running; i++)
        {
            Assert.True(await gates.EnterAsync("flooded", "postgres", CancellationToken.None));
        }
        var waiting = gates.EnterAsync("flooded", "postgres", CancellationToken.None);

        Assert.False(waiting.IsCompleted);
        var other = gates.EnterAsync("other", "postgres", CancellationToken.None);
        Assert.True(other.IsCompletedSuccessfully);
        Assert.True(await other);
    }

    [Fact]
    public async Task Enter_QueueFull_RefusedAtOnce_LeaveGrantsTheFirstWaiter()
    {
        var gates = new AuthQueryGates();
        for (var i = 0; i < AuthQueryGates.Running; i++)
        {
            await gates.EnterAsync("db", "postgres", CancellationToken.None);
        }
        var queued = Enumerable.Range(0, AuthQueryGates.Waiting).Select(_ => gates.EnterAsync("db", "postgres", CancellationToken.None)).ToList();

        var refused = gates.EnterAsync("db", "postgres", CancellationToken.None);

        Assert.True(refused.IsCompletedSuccessfully);
        Assert.False(await refused);
        gates.Leave("db", "postgres");
        Assert.True(await queued[0].WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.All(queued.Skip(1), q => Assert.False(q.IsCompleted));
    }

    [Fact]
    public async Task Enter_WaiterCancelled_PlaceGivenUp_GateDroppedOnceUnused()
    {
        var gates = new AuthQueryGates();
        for (var i = 0; i < AuthQueryGates.Running; i++)
        {
            await gates.EnterAsync("db", "postgres", CancellationToken.None);
        }
        using var cancel = new CancellationTokenSource();
        var waiter = gates.EnterAsync("db", "postgres", cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter);
        for (var i = 0; i < AuthQueryGates.Running; i++)
        {
            gates.Leave("db", "postgres");
        }
        Assert.Equal(0, gates.Count);
    }
}
