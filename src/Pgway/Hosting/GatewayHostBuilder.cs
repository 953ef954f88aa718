using System.Net;
using Microsoft.Extensions.Logging;
using Pgway.Admin;
using Pgway.Agent;
using Pgway.Health;
using Pgway.Model;
using Pgway.Pooling;
using Pgway.Routing;
using Pgway.Transport;
using Pgway.Vip;

namespace Pgway.Hosting;

/// <summary>
/// Starts a <see cref="GatewayHost"/> in one pass: every part made in dependency order (monitor, state, DCS following,
/// status, switchover, reload), then the ports and endpoints opened, then the host made with all of them. The poolers
/// are given a <see cref="GatewayControlGate"/>, opened once the host runs: a console command that arrives during
/// start-up waits for it.
/// </summary>
internal static partial class GatewayHostBuilder
{
    public static async Task<GatewayHost> StartAsync(Topology topology, GatewayOptions options, TimeProvider time, ILoggerFactory logging, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logging);
        var clusters = GatewayHost.HostedClusters(topology, options.Nodes);
        var logger = logging.CreateLogger<GatewayHost>();
        var services = GatewayHost.HostedServices(clusters, options.Nodes).ToList();
        var monitor = new HealthMonitor(services, options.Health, new HealthProbeFactory(time), time, logging.CreateLogger<HealthMonitor>());
        var admission = ClientAdmission.ForThisProcess(options.Admission);
        var raisedFrom = admission.RaisedFrom?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "the same";
        var loops = new EpollLoopGroup(options.LoopThreads, time);
        LogAdmission(logger, admission.DescriptorLimit, raisedFrom, admission.DescriptorsAtStart, admission.Limits.DescriptorReserve, admission.ClientCapacity, admission.StartingCapacity, admission.Limits.StartupTimeout.TotalSeconds);

        var state = new GatewayState(topology, clusters);
        // Patroni's REST API; one client for the process, closed with it.
        var patroni = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var events = new StatusEventLog();
        var dcs = new DcsFollower(clusters, new GatewayLeaderRouting(state, monitor, patroni, time), options.Dcs, time, logging);
        // One registry for every pooler of the process: a cancel on any of its ports finds the session, and a key
        // another node issued goes to that node (numbered from the inventory, as every node numbers them).
        var cancelKeys = new CancelKeyRegistry(CancelNodes.For(topology, options.Nodes), time);
        var vips = GatewayVips.Create(clusters, options.Nodes, options.KeepVips, state, monitor, dcs, new IpAddressTable(), new NativeAnnouncer(), options.Vip, time, logging);
        var dns = GatewayDns.Start(state, monitor, options.Nodes, options.Dns, time, logging.CreateLogger<GatewayDns>());
        var status = new GatewayStatus(state, monitor, dcs, vips, dns, events, cancelKeys, time);
        var switchover = new GatewaySwitchover(state, monitor, dcs, events, options, patroni, time, logging);
        var gate = new GatewayControlGate();
        var starter = new ServiceStarter(monitor, options, admission, loops, gate, cancelKeys, time, logging);
        var retirement = new ServiceRetirement(monitor, options.DrainTimeout, logger);
        var reload = new GatewayReload(state, monitor, dcs, starter, retirement, options, logging);
        var parts = new GatewayParts(state, monitor, status, dcs, vips, dns, switchover, reload, retirement, patroni, loops, time, logger);

        AgentServer? agents = null;
        AdminEndpoint? admin = null;
        try
        {
            if (options.RunAgents)
            {
                var hosted = clusters.SelectMany(c => c.Instances).Where(i => options.Nodes.Contains(i.Address));
                agents = await AgentServer.StartAsync(
                    [.. hosted.Select(i => new PatroniAgent(InstanceSettings.Agent(i, options.AgentCacheMaxAge, options.AgentTimeout), time, logging.CreateLogger<PatroniAgent>()))],
                    options.AgentLimits, cancellationToken);
            }
            if (options.RunPoolers)
            {
                StartPoolers(state, clusters, topology.SourceFile, options, admission, loops, gate, cancelKeys, time, logging, logger);
            }
            foreach (var service in services)
            {
                if (service.IsPool)
                {
                    state.Add(starter.StartPool(clusters.First(c => c.Name == service.Cluster), service, topology.SourceFile));
                }
                else
                {
                    state.Add(starter.StartListener(service));
                }
            }
            IReadOnlyList<string> tokenFiles = [];
            if (options.RunAdmin)
            {
                var listens = GatewayHost.AdminListens(clusters, options.Nodes);
                var sources = new AdminSources(status.Metrics, status.Status) { Switchover = gate.SwitchoverAsync, Unfence = gate.UnfenceAsync };
                admin = await AdminEndpoint.StartAsync(listens, sources, options.Admin with { Time = time }, cancellationToken);
                LogAdmin(logger, admin.Urls);
                tokenFiles = GatewayHost.WriteAdminTokens(admin.Token, listens, options.AdminTokenDirectory, logger);
            }
            monitor.Start();
            dcs.Start();
            vips.Start();
            var host = new GatewayHost(parts, agents, admin, tokenFiles);
            gate.Open(new GatewayControl(reload, switchover));
            return host;
        }
        catch (Exception e)
        {
            gate.Fail(e.Message);
            await parts.StopAsync(agents, admin);
            throw;
        }
    }

    // Each hosted instance's pooler (pgbouncer_enabled), on its pgbouncer_port.
    private static void StartPoolers(GatewayState state, IReadOnlyList<Cluster> clusters, string inventoryFile, GatewayOptions options, ClientAdmission admission, EpollLoopGroup loops, IGatewayControl control,
        CancelKeyRegistry cancelKeys, TimeProvider time, ILoggerFactory logging, ILogger logger)
    {
        foreach (var cluster in clusters)
        {
            foreach (var instance in cluster.Instances.Where(i => options.Nodes.Contains(i.Address) && PoolerSetup.IsEnabled(i)))
            {
                var poolerOptions = PoolerSetup.For(cluster, instance, inventoryFile) with { Control = control, Admission = admission, CancelKeys = cancelKeys };
                var pooler = Pooler.Start(poolerOptions, loops, time, logging.CreateLogger<Pooler>());
                state.Add(new NodePooler(instance.Name, pooler));
                LogPooling(logger, instance.Name, pooler.LocalEndPoint, pooler.Options.Backend, cluster.Pooler.PoolMode);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Instance} pooler listening on {Listen} → {Backend} ({Mode} mode)")]
    private static partial void LogPooling(ILogger logger, string instance, IPEndPoint listen, IPEndPoint backend, PoolMode mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "admin endpoint (stats page /, /status.json, /metrics, /healthz) listening on {Urls}")]
    private static partial void LogAdmin(ILogger logger, IReadOnlyList<string> urls);

    [LoggerMessage(Level = LogLevel.Information, Message = "open-files limit {Limit} (soft limit before: {RaisedFrom}), {InUse} open at start, {Reserve} kept in reserve: at most {Clients} clients, {Starting} of them still starting (each {StartupSeconds:0.#}s at most)")]
    private static partial void LogAdmission(ILogger logger, long limit, string raisedFrom, int inUse, int reserve, int clients, int starting, double startupSeconds);
}
