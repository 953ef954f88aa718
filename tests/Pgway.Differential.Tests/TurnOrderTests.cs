using Pgway.Differential.Running;

namespace Pgway.Differential.Tests;

/// <summary>
/// A step that waits for the other clients' answers must wait while they can still come, and go on at
/// once when they cannot: a wait that ends only at its bound costs the whole read timeout per
/// conversation, and was most of the differential tester's run time.
/// </summary>
public sealed class TurnOrderTests
{
    // Long enough that a wait ending only at its bound fails the test's own guard first.
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task WaitForOthers_TwoClientsWaitingForEachOther_TheLaterStepGoesOnAndTheOtherFollowsItsAnswers()
    {
        // c0 pipelines step 0 (unread), c1 waits for it at step 1; c0's step 4 waits for c1's steps 1-3.
        var turns = new TurnOrder([0, 1, 1, 1, 0], TimeSpan.Zero);
        var first = turns.WaitForOthersAsync(1, Bound, CancellationToken.None);
        Assert.False(first.IsCompleted);

        await turns.WaitForOthersAsync(4, Bound, CancellationToken.None).WaitAsync(HangGuard);

        Assert.False(first.IsCompleted);
        turns.Answered(0, 4);
        await first.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task WaitForOthers_OtherClientNotWaiting_WaitsForItsAnswers()
    {
        var turns = new TurnOrder([1, 0], TimeSpan.Zero);

        var waiting = turns.WaitForOthersAsync(1, Bound, CancellationToken.None);

        Assert.False(waiting.IsCompleted);
        turns.Answered(1, 0);
        await waiting.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task WaitForOthers_ThreeClientsInACycle_OnlyTheLatestStepGoesOn()
    {
        // c0 waits for c2 (step 0 unanswered), c1 waits for c0's step 1, c2's step 5 waits for c1's step 3.
        var turns = new TurnOrder([2, 0, 0, 1, 1, 2], TimeSpan.Zero);
        var c0 = turns.WaitForOthersAsync(2, Bound, CancellationToken.None);
        var c1 = turns.WaitForOthersAsync(4, Bound, CancellationToken.None);
        Assert.False(c0.IsCompleted);
        Assert.False(c1.IsCompleted);

        await turns.WaitForOthersAsync(5, Bound, CancellationToken.None).WaitAsync(HangGuard);

        Assert.False(c0.IsCompleted);
        Assert.False(c1.IsCompleted);
        turns.Answered(2, 5);
        await c0.WaitAsync(HangGuard);
        Assert.False(c1.IsCompleted);
        turns.Answered(0, 2);
        await c1.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task WaitForOthers_PoolOfOneHeldByTheWaiter_GoesOnWhileTheOtherReadsWithoutAServer()
    {
        var turns = new TurnOrder([1, 0], TimeSpan.Zero, poolSize: 1);
        turns.Reading(0, isReading: false, holdsServer: true);
        turns.Reading(1, isReading: true, holdsServer: false);

        await turns.WaitForOthersAsync(1, Bound, CancellationToken.None).WaitAsync(HangGuard);
    }

    [Fact]
    public async Task WaitForOthers_PoolHasAServerLeft_WaitsForTheReader()
    {
        var turns = new TurnOrder([1, 0], TimeSpan.Zero, poolSize: 2);
        turns.Reading(0, isReading: false, holdsServer: true);
        turns.Reading(1, isReading: true, holdsServer: false);

        var waiting = turns.WaitForOthersAsync(1, Bound, CancellationToken.None);

        Assert.False(waiting.IsCompleted);
        turns.Answered(1, 0);
        await waiting.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task WaitForOthers_NoPool_WaitsForTheReader()
    {
        var turns = new TurnOrder([1, 0], TimeSpan.Zero);
        turns.Reading(0, isReading: false, holdsServer: true);
        turns.Reading(1, isReading: true, holdsServer: false);

        var waiting = turns.WaitForOthersAsync(1, Bound, CancellationToken.None);

        Assert.False(waiting.IsCompleted);
        turns.Answered(1, 0);
        await waiting.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task WaitForTurn_EarlierStepsClientWaitsForTheServerThisClientHolds_GoesOnAtOnce()
    {
        // Session pooling, one server: c0 has it; c1, whose step comes first, waits for it to log in.
        var turns = new TurnOrder([1, 0], Bound, poolSize: 1);
        turns.Reading(0, isReading: false, holdsServer: true);
        turns.Reading(1, isReading: true, holdsServer: false);

        await turns.WaitAsync(1, CancellationToken.None).WaitAsync(HangGuard);
    }

    [Fact]
    public async Task WaitForTurn_EarlierStepsClientNotBlocked_WaitsUntilItIsSent()
    {
        var turns = new TurnOrder([1, 0], Bound, poolSize: 1);
        turns.Reading(0, isReading: false, holdsServer: true);

        var waiting = turns.WaitAsync(1, CancellationToken.None);

        Assert.False(waiting.IsCompleted);
        turns.Sent(0);
        await waiting.WaitAsync(HangGuard);
    }

    [Fact]
    public void Reading_ClientWithoutSteps_IsFollowed()
    {
        // A shrunk conversation may leave its last client no step: it still connects and reads its greeting.
        var turns = new TurnOrder([0], TimeSpan.Zero, poolSize: 1, clientCount: 2);

        turns.Reading(1, true, false);
        turns.Reading(1, false, false);
    }
}
