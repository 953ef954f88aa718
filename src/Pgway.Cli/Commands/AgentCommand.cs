using System.CommandLine;
using Microsoft.Extensions.Logging;
using System.Net;
using Pgway.Agent;
using Pgway.Configuration;
using Pgway.Model;

namespace Pgway.Cli.Commands;

/// <summary>
/// <c>pgway agent</c>: Patroni-compatible health endpoints for PostgreSQL instances without Patroni,
/// so HAProxy (or pgway) can route by role and lag. Either one instance given by URL, or every
/// instance on a node of the inventory.
/// </summary>
internal static class AgentCommand
{
    public const string Name = "agent";

    public static Command Create(CliContext context)
    {
        var pg = new Option<string?>("--pg") { Description = "The instance: postgres://user:password@host:port/db (or key=value); needs pg_monitor rights" };
        var listen = new Option<string?>("--listen") { Description = "Where to answer, ADDRESS:PORT (Patroni's port is 8008)" };
        var config = new Option<FileInfo?>("--config", "-c") { Description = "Instead of --pg/--listen: the inventory; with --node, run the agents of that node's instances" };
        var node = new Option<string[]>("--node") { Description = "A node address of the inventory (repeatable)", AllowMultipleArgumentsPerToken = false };
        var tags = new Option<string[]>("--tag") { Description = "A Patroni tag KEY=VALUE (repeatable), e.g. noloadbalance=true" };
        var name = new Option<string?>("--name") { Description = "Member name reported in the body (default: the host)" };
        var scope = new Option<string?>("--scope") { Description = "Cluster name reported in the body" };
        var standbyLeader = new Option<bool>("--standby-leader") { Description = "The instance leads a standby cluster: in recovery it answers /standby-leader, not /replica" };
        var cache = new Option<string>("--cache") { Description = "How long one status answers every check", DefaultValueFactory = _ => "200ms" };
        var timeout = new Option<string>("--timeout") { Description = "Bound on one round of status queries", DefaultValueFactory = _ => "2s" };
        var command = new Command(Name, "Answer Patroni's health checks (/primary, /replica?lag=…, /sync, …) for instances without Patroni")
        {
            pg, listen, config, node, tags, name, scope, standbyLeader, cache, timeout,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!TryDuration(context, "--cache", parse.GetValue(cache)!, out var cacheAge) || !TryDuration(context, "--timeout", parse.GetValue(timeout)!, out var queryTimeout))
            {
                return 2;
            }
            if (parse.GetValue(config) is { } file)
            {
                var nodes = parse.GetValue(node) ?? [];
                if (nodes.Length == 0)
                {
                    context.Error.WriteLine("--config needs --node ADDRESS: the node whose instances the agent answers for");
                    return 2;
                }
                // Like every command that reads an inventory: its errors exit 1.
                var fromInventory = FromInventory(context, file, nodes, cacheAge, queryTimeout);
                return fromInventory is null ? 1 : await RunAsync(context, fromInventory, cancellationToken);
            }
            var agents = FromArguments(context, parse.GetValue(pg), parse.GetValue(listen), parse.GetValue(tags) ?? [], parse.GetValue(name), parse.GetValue(scope), parse.GetValue(standbyLeader), cacheAge, queryTimeout);
            return agents is null ? 2 : await RunAsync(context, agents, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, IReadOnlyList<AgentOptions> options, CancellationToken cancellationToken)
    {
        using var logging = ConsoleLogging.Create();
        var agents = options.Select(o => new PatroniAgent(o, TimeProvider.System, logging.CreateLogger<PatroniAgent>())).ToList();
        AgentServer server;
        try
        {
            server = await AgentServer.StartAsync(agents, cancellationToken);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ArgumentException)
        {
            context.Error.WriteLine(e switch
            {
                System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressNotAvailable } =>
                    $"cannot listen: {e.Message} (the address is not one of this host's; is --node or --listen the right one?)",
                System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AccessDenied } =>
                    $"cannot listen: {e.Message} (ports below 1024 need privileges)",
                ArgumentException => $"cannot listen: {e.Message}",
                _ => $"cannot listen: {e.Message} (is Patroni or another agent already on that port?)",
            });
            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }
            return 1;
        }
        await using (server)
        {
            foreach (var agent in agents)
            {
                context.Output.WriteLine($"agent for {agent.Options.Name} ({PostgresUrl.Redact(Describe(agent.Options))}) answering on http://{agent.Options.Listen}");
            }
            context.Output.WriteLine("Ctrl-C to stop");
            await context.Output.FlushAsync(cancellationToken);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C or the caller stopped us: shut down cleanly.
            }
        }
        return 0;
    }

    private static List<AgentOptions>? FromArguments(
        CliContext context, string? pg, string? listen, string[] tags, string? name, string? scope, bool standbyLeader, TimeSpan cache, TimeSpan timeout)
    {
        if (pg is null || listen is null)
        {
            context.Error.WriteLine("give --pg URL and --listen ADDRESS:PORT, or --config FILE with --node ADDRESS");
            return null;
        }
        Npgsql.NpgsqlConnectionStringBuilder connection;
        try
        {
            connection = PostgresUrl.Parse(pg);
        }
        catch (FormatException e)
        {
            context.Error.WriteLine($"--pg: {e.Message}");
            return null;
        }
        if (!IPEndPoint.TryParse(listen, out var endpoint) || endpoint.Port == 0 && !listen.EndsWith(":0", StringComparison.Ordinal))
        {
            context.Error.WriteLine($"--listen '{listen}' is not ADDRESS:PORT, e.g. 127.0.0.11:8008");
            return null;
        }
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var tag in tags)
        {
            var equals = tag.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                context.Error.WriteLine($"--tag '{tag}' is not KEY=VALUE, e.g. noloadbalance=true");
                return null;
            }
            pairs.Add(KeyValuePair.Create(tag[..equals], tag[(equals + 1)..]));
        }
        var reader = new InstanceStatusReaderOptions(connection.ConnectionString, timeout, standbyLeader);
        return [new AgentOptions(endpoint, reader, NodeTags.From(pairs), scope ?? "", name ?? connection.Host ?? "", cache)];
    }

    private static List<AgentOptions>? FromInventory(CliContext context, FileInfo file, string[] nodes, TimeSpan cache, TimeSpan timeout)
    {
        if (InventoryInput.Load(context, file) is not { } topology)
        {
            return null;
        }
        var agents = new List<AgentOptions>();
        foreach (var node in nodes.Distinct(StringComparer.Ordinal))
        {
            var instances = topology.Clusters.SelectMany(c => c.Instances).Where(i => i.Address == node).ToList();
            if (instances.Count == 0)
            {
                var known = topology.Clusters.SelectMany(c => c.Instances).Select(i => i.Address).Distinct().ToList();
                context.Error.WriteLine($"no instance on node '{node}' in {file}{Suggestions.DidYouMean(node, known)}; nodes: {string.Join(", ", known)}");
                return null;
            }
            foreach (var instance in instances)
            {
                try
                {
                    agents.Add(InstanceSettings.Agent(instance, cache, timeout));
                }
                catch (FormatException e)
                {
                    context.Error.WriteLine($"{instance.Location}: {e.Message}");
                    return null;
                }
            }
        }
        return agents;
    }

    private static string Describe(AgentOptions options)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(options.Instance.ConnectionString);
        return $"postgres://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}";
    }

    private static bool TryDuration(CliContext context, string option, string text, out TimeSpan duration)
    {
        if (ServerOptionsParser.TryParseDuration(text, out duration) && duration > TimeSpan.Zero)
        {
            return true;
        }
        context.Error.WriteLine($"{option} '{text}' is not a duration such as 200ms, 2s or 1m");
        return false;
    }
}
