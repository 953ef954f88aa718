using Pgway.Hosting;
using Pgway.Pooling;
using Pgway.Switchover;

namespace Pgway.Tests.Hosting;

/// <summary>A console command during start-up: it waits until the host runs, then runs on it; refused with the reason when start-up fails.</summary>
public sealed class GatewayControlGateTests
{
    private sealed class FakeControl : IGatewayControl
    {
        public List<string> Calls { get; } = [];

        public Task<string?> ReloadAsync(CancellationToken cancellationToken)
        {
            Calls.Add("reload");
            return Task.FromResult<string?>(null);
        }

        public Task<SwitchoverResult> SwitchoverAsync(string cluster, string? candidate, SwitchoverOptions options, CancellationToken cancellationToken)
        {
            Calls.Add($"switchover {cluster} {candidate}");
            return Task.FromResult(new SwitchoverResult(cluster, true, "fake", "a", candidate, 0, 0, [], null));
        }

        public Task<string?> UnfenceAsync(string member, bool force, CancellationToken cancellationToken)
        {
            Calls.Add($"unfence {member} {force}");
            return Task.FromResult<string?>(null);
        }

        public IReadOnlyList<(string Kind, string Name, string Detail)> SwitchoverState() => [("fenced", "pg-test-1", "switchover")];
    }

    [Fact]
    public async Task Commands_BeforeOpen_WaitThenRunOnTheRunningHost()
    {
        var gate = new GatewayControlGate();
        var control = new FakeControl();

        var reload = gate.ReloadAsync(CancellationToken.None);
        var switchover = gate.SwitchoverAsync("pg-test", "pg-test-2", SwitchoverOptions.Default, CancellationToken.None);
        var unfence = gate.UnfenceAsync("pg-test-1", force: true, CancellationToken.None);
        Assert.False(reload.IsCompleted);
        Assert.False(switchover.IsCompleted);
        Assert.False(unfence.IsCompleted);
        Assert.Empty(gate.SwitchoverState());

        gate.Open(control);

        Assert.Null(await reload);
        Assert.True((await switchover).Succeeded);
        Assert.Null(await unfence);
        Assert.Equal(["reload", "switchover pg-test pg-test-2", "unfence pg-test-1 True"], control.Calls.Order(StringComparer.Ordinal));
        Assert.Equal("pg-test-1", Assert.Single(gate.SwitchoverState()).Name);
    }

    [Fact]
    public async Task Commands_StartUpFailed_RefusedWithTheReasonBeforeAndAfter()
    {
        var gate = new GatewayControlGate();
        var waiting = gate.ReloadAsync(CancellationToken.None);

        gate.Fail("cannot listen on 10.10.10.11:5433");

        Assert.Equal("pgway did not start: cannot listen on 10.10.10.11:5433", await waiting);
        var switchover = await gate.SwitchoverAsync("pg-test", null, SwitchoverOptions.Default, CancellationToken.None);
        Assert.False(switchover.Succeeded);
        Assert.Equal("pgway did not start: cannot listen on 10.10.10.11:5433", switchover.Error);
        Assert.Equal("pgway did not start: cannot listen on 10.10.10.11:5433", await gate.UnfenceAsync("pg-test-1", force: false, CancellationToken.None));
        Assert.Empty(gate.SwitchoverState());
    }

    [Fact]
    public async Task Command_ClientGoneWhileStarting_CancelledAndTheHostUntouched()
    {
        var gate = new GatewayControlGate();
        var control = new FakeControl();
        using var gone = new CancellationTokenSource();
        var reload = gate.ReloadAsync(gone.Token);

        await gone.CancelAsync();
        gate.Open(control);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reload);
        Assert.Empty(control.Calls);
    }
}
