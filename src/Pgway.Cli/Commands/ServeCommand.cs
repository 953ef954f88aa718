using System.CommandLine;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.Routing;

namespace Pgway.Cli.Commands;

/// <summary>
/// <c>pgway serve</c>: runs, for the nodes this process hosts, the health agents of their instances
/// and every service of their clusters, until Ctrl-C.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var config = CommonOptions.Config();
        var node = new Option<string[]>("--node") { Description = "A node address this process hosts (repeatable: one process can host a whole test cluster)", Required = true };
        var noAgent = new Option<bool>("--no-agent") { Description = "Do not run pgway's health agent: Patroni answers the checks on patroni_port" };
        var noPooler = new Option<bool>("--no-pooler") { Description = "Do not run pgway's pooler: PgBouncer serves pgbouncer_port" };
        var noAdmin = new Option<bool>("--no-admin") { Description = "Do not serve the stats page, /status.json, /metrics and /healthz on haproxy_exporter_port: HAProxy's stats page is there" };
        var command = new Command("serve", "Run the services, poolers, health agents and admin endpoints of the nodes this process hosts")
        {
            config, node, noAgent, noPooler, noAdmin,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(context, parse.GetValue(config)!, parse.GetValue(node) ?? [], !parse.GetValue(noAgent), !parse.GetValue(noPooler), !parse.GetValue(noAdmin), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, FileInfo file, string[] nodes, bool runAgents, bool runPoolers, bool runAdmin, CancellationToken cancellationToken)
    {
        if (InventoryInput.Load(context, file) is not { } topology)
        {
            return 1;
        }
        using var logging = ConsoleLogging.Create();
        var options = new GatewayOptions([.. nodes.Distinct(StringComparer.Ordinal)], runAgents, HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty)
        {
            RunPoolers = runPoolers,
            RunAdmin = runAdmin,
        };
        GatewayHost host;
        try
        {
            host = await GatewayHost.StartAsync(topology, options, TimeProvider.System, logging, cancellationToken);
        }
        catch (ArgumentException e)
        {
            context.Error.WriteLine(e.Message);
            return 2;
        }
        catch (InvalidOperationException e)
        {
            // A pooler's auth file or hba file is missing or wrong.
            context.Error.WriteLine(e.Message);
            return 1;
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            context.Error.WriteLine($"cannot listen: {e.Message} (another process on that port, or an address not on this host?)");
            return 1;
        }
        await using (host)
        {
            foreach (var listener in host.Listeners)
            {
                var service = listener.Route.Service;
                var members = string.Join(", ", service.Members.Select(m => m.IsBackup ? $"{m.Name} (backup)" : m.Name));
                context.Output.WriteLine($"{service.FullName,-24} {listener.LocalEndPoint,-22} → {service.Destination,-10} {members}");
            }
            foreach (var pooler in host.Poolers)
            {
                context.Output.WriteLine($"{"pooler",-24} {pooler.LocalEndPoint,-22} → {pooler.Options.Backend,-10} {pooler.Options.Settings.PoolMode.ToString().ToLowerInvariant()} mode");
            }
            foreach (var url in host.AdminUrls)
            {
                context.Output.WriteLine($"{"admin",-24} {url,-22} / (stats page) /status.json /metrics /healthz");
            }
            context.Output.WriteLine($"serving {host.Listeners.Count} services and {host.Poolers.Count} poolers of {string.Join(", ", host.Clusters.Select(c => c.Name))}{(runAgents ? " with health agents" : "")}; Ctrl-C to stop");
            await context.Output.FlushAsync(cancellationToken);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C: stop listening, end the sessions, stop the checks.
            }
        }
        return 0;
    }
}
