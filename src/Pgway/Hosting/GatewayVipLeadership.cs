using Pgway.Dcs;
using Pgway.Health;
using Pgway.Model;
using Pgway.Vip;

namespace Pgway.Hosting;

/// <summary>
/// What a VIP keeper decides from in this process: the cluster's DCS watch (when it has <c>pg_dcs</c>), the health
/// monitor's members of the local instance in the cluster's primary-checked services (<c>/primary</c> and the like),
/// and whether the cluster's pooled primary services here hold clients or run their transactions.
/// </summary>
internal sealed class GatewayVipLeadership(string cluster, Instance local, HealthMonitor monitor, DcsWatch? watch, GatewayState state) : IVipLeadership
{
    public VipSignal Read()
    {
        var epoch = watch?.LeaderEpoch ?? 0;
        var (dcs, leader, lostAt) = watch switch
        {
            null => (VipDcsState.None, null, null),
            { IsLeaderKnown: false } => (VipDcsState.NotRead, null, null),
            { IsConnected: true } => (VipDcsState.Connected, watch.Leader, (DateTimeOffset?)null),
            _ => (VipDcsState.Lost, watch.Leader, watch.LostAt),
        };
        var (primary, detail) = LocalPrimary(dcs == VipDcsState.None);
        var (busy, connected) = PooledClients();
        return new VipSignal(dcs, leader, lostAt, primary, detail, busy, connected, epoch);
    }

    private (bool Busy, bool Connected) PooledClients()
    {
        var connected = false;
        foreach (var service in state.PrimaryPoolServices(cluster))
        {
            if (service.Pooler.IsHeld || service.Pooler.ServersInUse() > 0)
            {
                return (true, true);
            }
            connected |= service.Pooler.Clients > 0;
        }
        return (false, connected);
    }

    // Up and checked at least once (members start up before their first check); without a DCS the last check itself
    // must say primary too, since no leader key stands behind the state.
    private (bool Primary, string Detail) LocalPrimary(bool checksAlone)
    {
        if (monitor.Fenced.TryGetValue(local.Name, out var why))
        {
            return (false, $"fenced ({why})");
        }
        string? detail = null;
        foreach (var member in monitor.Members)
        {
            if (member.Service.Cluster != cluster || member.Member.Name != local.Name || member.Target is null || !LeaderRules.IsPrimaryCheck(member.Service.Check))
            {
                continue;
            }
            var snapshot = member.Snapshot;
            if (snapshot.IsUp && snapshot.LastResult is { } last && (!checksAlone || last.Passes(member.ExpectedStatus)))
            {
                return (true, "");
            }
            detail ??= snapshot.LastResult is { } result ? $"{snapshot.Status}, {result.Reason}: {result.Detail}" : "not checked yet";
        }
        return (false, detail ?? $"no service of this node checks {local.Name} as a primary (/primary)");
    }
}
