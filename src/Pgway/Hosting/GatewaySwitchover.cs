using Microsoft.Extensions.Logging;
using Pgway.Admin;
using Pgway.Health;
using Pgway.Switchover;

namespace Pgway.Hosting;

/// <summary>
/// Planned switchovers (the console's SWITCHOVER, the admin endpoint's POST /switchover, <c>pgway switchover</c>) through
/// the process's one coordinator, and clearing the fence a switchover without Patroni leaves on the old primary.
/// </summary>
internal sealed class GatewaySwitchover(GatewayState state, HealthMonitor monitor, DcsFollower dcs, StatusEventLog events, GatewayOptions options, HttpClient patroni, TimeProvider time, ILoggerFactory logging)
{
    private readonly SwitchoverCoordinator coordinator =
        new(new GatewaySwitchoverHost(state, monitor, dcs, events, options, patroni, time), time, logging.CreateLogger<SwitchoverCoordinator>());

    /// <summary>The process's one coordinator, seeing this host through <see cref="GatewaySwitchoverHost"/>: it allows one switchover per cluster at a time.</summary>
    public SwitchoverCoordinator Coordinator => coordinator;

    public Task<SwitchoverResult> SwitchoverAsync(string cluster, string? to, SwitchoverOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        return coordinator.SwitchoverAsync(cluster, to, options, cancellationToken);
    }

    /// <summary>
    /// Clears the fence of an instance (by name), in the instance itself and in this pgway's routing: its
    /// checks decide again. Refused while another instance of the cluster is (or may be) a primary, unless
    /// <paramref name="force"/> (see <see cref="Unfencing"/>). Null when done, or why not.
    /// </summary>
    public async Task<string?> UnfenceAsync(string member, bool force, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (state.Clusters.FirstOrDefault(c => c.Instances.Any(i => i.Name == member)) is not { } cluster)
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
        events.Add(time.GetUtcNow(), member, $"{member}: fence cleared by an operator{(force ? " (forced)" : "")}; its checks decide again");
        return null;
    }

    /// <summary>For SHOW SWITCHOVER: switchovers under way, fenced instances, and held pooled services with their holders.</summary>
    public IReadOnlyList<(string Kind, string Name, string Detail)> State()
    {
        var rows = new List<(string, string, string)>();
        foreach (var cluster in coordinator.Running)
        {
            rows.Add(("switchover", cluster, "under way"));
        }
        foreach (var (member, reason) in monitor.Fenced.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            rows.Add(("fenced", member, reason));
        }
        foreach (var service in state.PoolServices.Where(p => p.Pooler.IsHeld))
        {
            rows.Add(("held", service.Route.Service.FullName, string.Join("; ", service.Pooler.Holders())));
        }
        return rows;
    }
}
