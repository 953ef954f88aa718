using Microsoft.Extensions.Logging;
using Pgway.Dcs;
using Pgway.Model;
using Pgway.Switchover;

namespace Pgway.Hosting;

// Planned switchovers (the console's SWITCHOVER, the admin endpoint's POST /switchover, `pgway switchover`)
// and clearing the fence a switchover without Patroni leaves on the old primary.
public sealed partial class GatewayHost
{
    // Patroni's REST API; one client for the process, closed with it.
    private readonly HttpClient patroniApi = new() { Timeout = Timeout.InfiniteTimeSpan };
    private SwitchoverCoordinator? switchovers;

    internal TimeProvider Time => time;

    /// <summary>The process's one coordinator: it allows one switchover per cluster at a time.</summary>
    public SwitchoverCoordinator Switchovers
    {
        get
        {
            if (Volatile.Read(ref switchovers) is { } made)
            {
                return made;
            }
            var coordinator = new SwitchoverCoordinator(new GatewaySwitchoverHost(this, patroniApi), time, logging.CreateLogger<SwitchoverCoordinator>());
            return Interlocked.CompareExchange(ref switchovers, coordinator, null) ?? coordinator;
        }
    }

    /// <summary>
    /// Switches <paramref name="cluster"/>'s primary over to <paramref name="to"/> (an instance name; null: a
    /// healthy replica): see <see cref="SwitchoverCoordinator"/>. The result lists the steps and their timings.
    /// </summary>
    public Task<SwitchoverResult> SwitchoverAsync(string cluster, string? to, SwitchoverOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Switchovers.SwitchoverAsync(cluster, to, options, cancellationToken);
    }

    /// <summary>
    /// Clears the fence of an instance (by name), in the instance itself and in this pgway's routing: its
    /// checks decide again. Refused while another instance of the cluster is (or may be) a primary, unless
    /// <paramref name="force"/> (see <see cref="Unfencing"/>). Null when done, or why not.
    /// </summary>
    public async Task<string?> UnfenceAsync(string member, bool force, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (Clusters.FirstOrDefault(c => c.Instances.Any(i => i.Name == member)) is not { } cluster)
        {
            return $"unknown instance '{member}'";
        }
        var instance = cluster.Instances.First(i => i.Name == member);
        var error = await Unfencing.ClearAsync(cluster, instance, force, monitor.Fenced.ContainsKey(member),
            (i, token) => AdminConnection.OpenAsync(i, "pgway unfence", token), cancellationToken);
        if (error is not null)
        {
            return error;
        }
        monitor.Unfence(member);
        RecordEvent(member, $"{member}: fence cleared by an operator{(force ? " (forced)" : "")}; its checks decide again");
        return null;
    }

    /// <summary>The cluster's <c>dest: pool</c> services whose check finds the primary: those a switchover holds.</summary>
    internal IReadOnlyList<PoolService> PrimaryPoolServices(string cluster) =>
        [.. poolServices.Where(p => p.Route.Service.Cluster == cluster && LeaderRules.IsPrimaryCheck(p.Route.Service.Check))];

    /// <summary>Whether this process runs pgway's agent (on <c>patroni_port</c>) for an instance of the cluster: then no Patroni runs there.</summary>
    internal bool RunsAgentsFor(Cluster cluster) =>
        options.RunAgents && cluster.Instances.Any(i => options.Nodes.Contains(i.Address));

    /// <summary>For SHOW SWITCHOVER: switchovers under way, fenced instances, and held pooled services with their holders.</summary>
    public IReadOnlyList<(string Kind, string Name, string Detail)> SwitchoverState()
    {
        var rows = new List<(string, string, string)>();
        foreach (var cluster in Volatile.Read(ref switchovers)?.Running ?? [])
        {
            rows.Add(("switchover", cluster, "under way"));
        }
        foreach (var (member, reason) in monitor.Fenced.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            rows.Add(("fenced", member, reason));
        }
        foreach (var service in poolServices.Where(p => p.Pooler.IsHeld))
        {
            rows.Add(("held", service.Route.Service.FullName, string.Join("; ", service.Pooler.Holders())));
        }
        return rows;
    }

    internal void FollowLeaderNow(string cluster, string leader) => FollowDcsLeader(cluster, leader, fromDcs: false);

    internal void RecordEvent(string subject, string message) => events.Add(time.GetUtcNow(), subject, message);
}
