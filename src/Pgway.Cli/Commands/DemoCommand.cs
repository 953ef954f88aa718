using System.CommandLine;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pgway.Configuration;
using Pgway.Demo;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.LocalPostgres;
using Pgway.Model;
using Pgway.Routing;

namespace Pgway.Cli.Commands;

/// <summary>
/// <c>pgway demo</c>: builds the embedded 3-instance cluster with PostgreSQL's binaries, serves every
/// node's services, poolers, agents and admin endpoints in this process, prints what to try, and
/// fails over on request, until Ctrl-C stops it all.
/// </summary>
internal static class DemoCommand
{
    public const string Name = "demo";

    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(60);

    public static Command Create(CliContext context)
    {
        var dir = new Option<DirectoryInfo?>("--dir") { Description = "Where the cluster lives (default: ~/.local/share/pgway/demo, or $XDG_DATA_HOME/pgway/demo; /tmp/pgway-demo as root)" };
        var keep = new Option<bool>("--keep") { Description = "Keep the data when stopping; the next pgway demo starts it again instead of building anew" };
        var failover = new Option<bool>("--failover") { Description = "Fail over once the services are up: stop the primary, promote the replica" };
        var delay = new Option<int>("--failover-delay") { Description = "Seconds to wait before the --failover", HelpName = "seconds", DefaultValueFactory = _ => 0 };
        var command = new Command(Name, "Build and run a local 3-instance pg-test cluster on 127.0.0.11-13 with every node's services, poolers and agents")
        {
            dir, keep, failover, delay,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var options = new DemoOptions(
                parse.GetValue(dir)?.FullName ?? DefaultDirectory(),
                parse.GetValue(keep),
                parse.GetValue(failover) ? TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(delay))) : null);
            return RunAsync(context, options, cancellationToken);
        });
        return command;
    }

    /// <summary>$XDG_DATA_HOME/pgway/demo (~/.local/share/pgway/demo); as root, where the postgres OS user can reach it.</summary>
    public static string DefaultDirectory() =>
        PgCommandRunner.IsRoot()
            ? Path.Combine(Path.GetTempPath(), "pgway-demo")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "pgway", "demo");

    // The poolers' auth_file, as the inventory names it.
    private static string UserList(DemoOptions options) => Path.Combine(options.Directory, "userlist.txt");

    private static async Task<int> RunAsync(CliContext context, DemoOptions options, CancellationToken cancellationToken)
    {
        PgBinaries binaries;
        try
        {
            binaries = PgBinaries.Locate();
        }
        catch (InvalidOperationException e)
        {
            context.Error.WriteLine(e.Message);
            return 1;
        }
        Directory.CreateDirectory(options.Directory);
        // Before writing anything: a second demo must leave the running one's files alone.
        if (DemoLock.TryAcquire(options.Directory) is not { } held)
        {
            context.Error.WriteLine($"another pgway demo runs on {options.Directory} (it holds {DemoLock.PathIn(options.Directory)}); " +
                "stop it (Ctrl-C where it runs) before starting a new one, or connect to the running one");
            return 1;
        }
        using (held)
        {
            return await RunLockedAsync(context, options, binaries, held, cancellationToken);
        }
    }

    private static async Task<int> RunLockedAsync(CliContext context, DemoOptions options, PgBinaries binaries, DemoLock held, CancellationToken cancellationToken)
    {
        // A demo in another directory holds the same ports: the embedded inventory names them without a file written.
        if (GatewayPortTaken(options.Directory) is { } taken)
        {
            context.Error.WriteLine(taken);
            held.Dispose();
            RemoveIfEmpty(options.Directory);
            return 1;
        }
        var inventory = DemoInventory.Write(options.Directory);
        string[] written = [inventory, UserList(options), held.Path];
        if (InventoryInput.Load(context, new FileInfo(inventory)) is not { } topology || topology.FindCluster(DemoInventory.ClusterName) is not { } cluster)
        {
            return 1;
        }
        var local = new LocalCluster(cluster, options.Directory, new PgCommandRunner(binaries, PgCommandRunner.IsRoot()), OperationTimeout);
        var ready = await CheckAsync(context, cluster, local, cancellationToken);
        if (ready != true)
        {
            if (!local.HasData)
            {
                local.Delete(written);
            }
            return ready is null ? 0 : 1;
        }
        try
        {
            return await RunClusterAsync(context, options, topology, cluster, local, binaries, cancellationToken);
        }
        finally
        {
            await local.StopAsync();
            if (options.Keep)
            {
                context.Output.WriteLine($"stopped; the data stays in {options.Directory} for the next pgway demo");
            }
            else
            {
                local.Delete(written);
                context.Output.WriteLine(Directory.Exists(options.Directory)
                    ? $"stopped; removed the demo's files from {options.Directory}"
                    : $"stopped; removed {options.Directory}");
            }
        }
    }

    private static string? GatewayPortTaken(string directory)
    {
        var embedded = InventoryLoader.LoadText(DemoInventory.Text, Path.Combine(directory, DemoInventory.FileName));
        return embedded.Topology?.FindCluster(DemoInventory.ClusterName) is { } cluster
            ? PortCheck.FindProblem(PortCheck.GatewayPorts(cluster))
            : null;
    }

    private static void RemoveIfEmpty(string directory)
    {
        if (Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
        {
            Directory.Delete(directory);
        }
    }

    // Whether the demo can start here: true, false (each problem printed), or null when cancelled.
    private static async Task<bool?> CheckAsync(CliContext context, Cluster cluster, LocalCluster local, CancellationToken cancellationToken)
    {
        // A taken gateway port may be another demo running on this very directory: look before touching its servers.
        if (PortCheck.FindProblem(PortCheck.GatewayPorts(cluster)) is { } gatewayTaken)
        {
            context.Error.WriteLine(gatewayTaken);
            return false;
        }
        try
        {
            if (await local.CheckServiceUserAsync(cancellationToken) is { } refused)
            {
                context.Error.WriteLine(refused);
                return false;
            }
            // Servers an earlier demo left running on this directory (it was killed) are ours to stop.
            await local.StopAsync();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        if (PortCheck.FindProblem(PortCheck.PostgresPorts(cluster)) is { } postgresTaken)
        {
            context.Error.WriteLine(postgresTaken);
            return false;
        }
        return true;
    }

    private static async Task<int> RunClusterAsync(CliContext context, DemoOptions options, Topology topology, Cluster cluster, LocalCluster local, PgBinaries binaries, CancellationToken cancellationToken)
    {
        void Progress(string step) => context.Output.WriteLine(step);
        try
        {
            Progress($"PostgreSQL binaries: {binaries.Directory}");
            await local.StartAsync(Progress, cancellationToken);
            await local.WriteUserListAsync(UserList(options), DemoRoles.PoolerSystemUsers(local.Primary.Inventory), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or NpgsqlException or IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"the demo cluster did not start: {e.Message}");
            return 1;
        }

        using var logging = LoggerFactory.Create(builder => builder
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss.fff ";
            })
            // The summary stays readable: problems only. Health changes are printed by the demo itself.
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter(typeof(HealthMonitor).FullName, LogLevel.Error));
        // The admin token where serve writes it, so `pgway switchover --url …` works on the demo as on a node.
        var gateway = new GatewayOptions([.. cluster.Instances.Select(i => i.Address)], RunAgents: true, HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty)
        {
            AdminTokenDirectory = Pgway.Admin.AdminTokenFile.DefaultDirectory(Environment.GetEnvironmentVariable),
            // DNS on each demo node, as serve does: the cluster's name follows the failover the demo makes.
            Dns = Pgway.Dns.DnsOptions.Default,
            LoopThreads = Pgway.Transport.EpollLoopGroup.CountFrom(Environment.GetEnvironmentVariable(Pgway.Transport.EpollLoopGroup.ThreadsVariable)),
        };
        GatewayHost host;
        try
        {
            host = await GatewayHost.StartAsync(topology, gateway, TimeProvider.System, logging, cancellationToken);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or SocketException or IOException)
        {
            context.Error.WriteLine($"pgway could not start the demo's services: {e.Message}");
            return 1;
        }
        await using (host)
        {
            try
            {
                await DemoSession.RunAsync(context, options, host, local, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C: the host stops first, then the servers.
            }
        }
        return 0;
    }
}

/// <summary>What <c>pgway demo</c> was asked for.</summary>
/// <param name="FailoverAfter">Fail over this long after the services are up; null: only when asked (a key).</param>
internal sealed record DemoOptions(string Directory, bool Keep, TimeSpan? FailoverAfter);
