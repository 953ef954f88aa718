using System.Collections.Immutable;
using System.Net;
using Pgway.Dcs;
using Pgway.Dns;
using Pgway.Health;
using Pgway.Model;
using Pgway.Routing;

namespace Pgway.Hosting;

/// <summary>
/// The zone the DNS server answers from: made from the hosted clusters and the members'
/// health as the service routes see it (the DCS leader included, which the monitor applies), rebuilt on the first
/// query after any member's state changes, and at least every <see cref="MaxAge"/> (a reload, a VIP setting).
/// </summary>
internal sealed class LiveDnsZone : IDisposable
{
    /// <summary>How old a zone may be when nothing said it changed.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly GatewayState state;
    private readonly HealthMonitor monitor;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private DnsZone zone = DnsZone.Empty;
    private long builtAt;
    private int stale = 1;

    /// <summary>Follows the monitor's changes from now on.</summary>
    public LiveDnsZone(GatewayState state, HealthMonitor monitor, TimeProvider time)
    {
        this.state = state;
        this.monitor = monitor;
        this.time = time;
        monitor.StateChanged += OnStateChanged;
    }

    /// <summary>The zone now: rebuilt when a member changed state since the last, or when it is older than <see cref="MaxAge"/>.</summary>
    public DnsZone Zone()
    {
        lock (gate)
        {
            if (Interlocked.Exchange(ref stale, 0) == 1 || time.GetElapsedTime(builtAt) >= MaxAge)
            {
                builtAt = time.GetTimestamp();
                zone = DnsZoneBuilder.Build(Views(state));
            }
            return zone;
        }
    }

    private void OnStateChanged(HealthEvent change) => Volatile.Write(ref stale, 1);

    /// <summary>Each hosted cluster as DNS names it now, from the routes of its services on this process.</summary>
    internal static IEnumerable<DnsClusterView> Views(GatewayState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var routes = state.ServicePorts().Select(p => p.Route).ToList();
        foreach (var cluster in state.Clusters)
        {
            var services = routes.Where(r => r.Service.Cluster == cluster.Name).Select(r => (r.Service, Snapshot: r.Snapshot())).ToList();
            yield return View(cluster, services);
        }
    }

    /// <summary>One cluster's view from its services' snapshots (a service without one on this process is left out).</summary>
    internal static DnsClusterView View(Cluster cluster, IReadOnlyList<(Service Service, ServiceRouteSnapshot Snapshot)> services)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(services);
        var serviceViews = ImmutableArray.CreateBuilder<DnsServiceView>();
        var primary = new List<IPAddress>();
        var replicas = new List<IPAddress>();
        var running = new List<IPAddress>();
        foreach (var (service, snapshot) in services)
        {
            var used = Used(service, snapshot);
            serviceViews.Add(new DnsServiceView(service.Name, service.Port, used));
            if (LeaderRules.IsPrimaryCheck(service.Check))
            {
                primary.AddRange(used.Where(a => !primary.Contains(a)));
            }
            foreach (var member in snapshot.Members.Where(m => m.IsUp && service.Check.Kind != HealthCheckKind.None))
            {
                if (IPAddress.TryParse(member.Address, out var address) && !running.Contains(address))
                {
                    running.Add(address);
                }
            }
        }
        foreach (var (service, _) in services.Where(s => s.Service.Name == "replica"))
        {
            replicas.AddRange(serviceViews.First(v => v.ShortName == service.Name).Up.Where(a => !primary.Contains(a) && !replicas.Contains(a)));
        }
        foreach (var address in primary.Where(a => !running.Contains(a)).ToList())
        {
            running.Add(address);
        }
        var instances = cluster.Instances.Select(i => (i.Name, Address: Parse(i.Address))).Where(i => i.Address is not null).Select(i => (i.Name, i.Address!)).ToImmutableArray();
        var entries = cluster.ServiceProvider is null
            ? cluster.Instances.Select(i => (Name: i.Name, Address: Parse(i.Address)))
            : cluster.ProviderNodes.Select((n, index) => (Name: $"{cluster.Name}-entry-{index + 1}", Address: Parse(n.Address)));
        return new DnsClusterView(cluster.Name, cluster.Dns.Suffix, Target(cluster, primary), instances, serviceViews.ToImmutable(), [.. primary], [.. replicas], [.. running],
            [.. entries.Where(e => e.Address is not null).Select(e => new DnsEntryPoint(e.Name, e.Address!))]);
    }

    // The members the service would use now: HAProxy's choice of actives, else backups (MemberChoice).
    private static ImmutableArray<IPAddress> Used(Service service, ServiceRouteSnapshot snapshot)
    {
        var candidates = snapshot.Members.Select((m, i) => new Candidate(i, m.IsUp, m.IsBackup, m.Weight, 0, 0)).ToList();
        var eligible = MemberChoice.Eligible(candidates, service.AllBackups);
        return [.. eligible.Select(c => Parse(snapshot.Members[c.Index].Address)).OfType<IPAddress>().Distinct()];
    }

    private static ImmutableArray<IPAddress> Target(Cluster cluster, List<IPAddress> primary) => cluster.Dns.Target switch
    {
        DnsTargetKind.Auto => cluster.Vip is { } vip ? [vip.Address] : [.. primary],
        DnsTargetKind.Primary => [.. primary],
        DnsTargetKind.Vip => cluster.Vip is { } vip ? [vip.Address] : [],
        DnsTargetKind.Address => [cluster.Dns.Address!],
        _ => [],
    };

    private static IPAddress? Parse(string address) => IPAddress.TryParse(address, out var parsed) ? parsed : null;

    public void Dispose() => monitor.StateChanged -= OnStateChanged;
}
