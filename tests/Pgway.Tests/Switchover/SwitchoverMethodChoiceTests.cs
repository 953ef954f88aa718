using Pgway.Hosting;

namespace Pgway.Tests.Switchover;

/// <summary>Which clusters switch over by Patroni and which by pgway's own fence and promotion.</summary>
public sealed class SwitchoverMethodChoiceTests
{
    [Theory]
    [InlineData("", false, true)]
    [InlineData("", true, false)]
    [InlineData("pg_dcs: { type: etcd, endpoints: [ 'http://127.0.0.1:2379' ] },", true, true)]
    [InlineData("patroni_enabled: false,", false, false)]
    [InlineData("patroni_enabled: false, pg_dcs: { type: etcd, endpoints: [ 'http://127.0.0.1:2379' ] },", false, false)]
    public void UsesPatroni_InventoryAndAgents_Decides(string vars, bool agentsRunHere, bool patroni)
    {
        var topology = TestInventories.LoadValid($$"""
            all:
              children:
                pg-test:
                  hosts:
                    10.10.10.11: { pg_seq: 1, pg_role: primary }
                    10.10.10.12: { pg_seq: 2, pg_role: replica }
                  vars: { {{vars}} pg_cluster: pg-test }
            """);

        Assert.Equal(patroni, GatewaySwitchoverHost.UsesPatroni(topology.Clusters[0], agentsRunHere));
    }
}
