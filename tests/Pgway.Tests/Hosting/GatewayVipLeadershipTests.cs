using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.Tests.Health;
using Pgway.Vip;

namespace Pgway.Tests.Hosting;

/// <summary>What the VIP decides from, read off the health monitor: the local instance's member in the primary-checked services.</summary>
public sealed class GatewayVipLeadershipTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider time = new(Start);
    private readonly HealthMonitor monitor;
    private readonly GatewayVipLeadership leadership;

    public GatewayVipLeadershipTests()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                pg-x:
                  hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary }, 10.0.0.2: { pg_seq: 2, pg_role: replica } }
                  vars: { pg_cluster: pg-x, pg_vip_enabled: true, pg_vip_address: 10.0.0.9/24 }
            """);
        monitor = new HealthMonitor(topology.Clusters[0].Services, HealthMonitorOptions.Default, new ScriptedProbes(time), time, NullLogger<HealthMonitor>.Instance);
        leadership = new GatewayVipLeadership("pg-x", topology.Clusters[0].Instances[0], monitor, watch: null, new GatewayState(topology, topology.Clusters));
    }

    // Every member of pg-x-1 in a /primary-checked service answers so.
    private void PrimaryCheckSays(bool primary)
    {
        foreach (var member in monitor.Members.Where(m => m.Member.Name == "pg-x-1" && Pgway.Dcs.LeaderRules.IsPrimaryCheck(m.Service.Check)))
        {
            member.Apply(new CheckResult(primary ? CheckStatus.L7Ok : CheckStatus.L7Status, primary ? 200 : 503, TimeSpan.Zero, time.GetUtcNow(), primary ? "role primary" : "role replica"), time.GetUtcNow());
        }
    }

    [Fact]
    public void Read_BeforeTheFirstCheck_NotPrimaryThoughMembersStartUp()
    {
        var signal = leadership.Read();

        Assert.Equal(VipDcsState.None, signal.Dcs);
        Assert.False(signal.LocalPrimary);
        Assert.Equal("not checked yet", signal.LocalDetail);
    }

    [Fact]
    public void Read_PrimaryCheckPasses_Primary()
    {
        PrimaryCheckSays(primary: true);

        Assert.True(leadership.Read().LocalPrimary);
    }

    [Fact]
    public void Read_NoDcsAndTheLastCheckSaysReplica_NotPrimaryAtOnce()
    {
        PrimaryCheckSays(primary: true);

        PrimaryCheckSays(primary: false);

        var signal = leadership.Read();
        Assert.False(signal.LocalPrimary);
        Assert.Contains("role replica", signal.LocalDetail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Fenced_NotPrimaryWithTheReason()
    {
        PrimaryCheckSays(primary: true);

        monitor.Fence("pg-x-1", "switchover to pg-x-2");

        var signal = leadership.Read();
        Assert.False(signal.LocalPrimary);
        Assert.Equal("fenced (switchover to pg-x-2)", signal.LocalDetail);
    }

    public ValueTask DisposeAsync() => monitor.DisposeAsync();
}
