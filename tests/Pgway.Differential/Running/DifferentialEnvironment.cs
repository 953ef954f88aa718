using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.Model;
using Pgway.Pooling;
using Pgway.Routing;
using Pgway.Testing;

namespace Pgway.Differential.Running;

/// <summary>
/// pgway's paths in front of a test cluster's primary: a node pooler started per run (transaction or
/// session mode, with the conversation's pool size), and one gateway host with a <c>dest: pool</c>
/// service (pool of one server) and a <c>dest: postgres</c> service. Also resets the clients' schemas.
/// </summary>
public sealed class DifferentialEnvironment : IAsyncDisposable
{
    /// <summary>Clients a conversation may have; every one of their schemas is made before each run.</summary>
    public const int MaxClients = 4;

    /// <summary>Servers the <c>dest: pool</c> service lends its clients.</summary>
    public const int PoolServiceSize = 1;

    // pgway's warnings and errors on standard error when PGWAY_DIFFERENTIAL_LOG=1 (a session that ends
    // without a word is explained there), else nothing.
    private static readonly ILoggerFactory Logs = Environment.GetEnvironmentVariable("PGWAY_DIFFERENTIAL_LOG") == "1"
        ? LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Warning)
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace))
        : NullLoggerFactory.Instance;

    private readonly PgTestCluster cluster;
    private readonly GatewayHost host;
    private readonly IPEndPoint poolService;
    private readonly IPEndPoint l4Service;
    // One connection per database for the resets, kept open: a new one for each path run started a
    // backend (and filled its caches) five times per conversation, a large share of a long run's CPU.
    private readonly ConcurrentDictionary<string, ResetConnection> resetConnections = new();
    // Resets so far, for the CHECKPOINT after every ResetsPerCheckpoint of them.
    private int resets;
    private const int ResetsPerCheckpoint = 50;

    private DifferentialEnvironment(PgTestCluster cluster, GatewayHost host, IPEndPoint poolService, IPEndPoint l4Service)
    {
        this.cluster = cluster;
        this.host = host;
        this.poolService = poolService;
        this.l4Service = l4Service;
    }

    /// <summary>The user every client logs in as (owner of the test database).</summary>
    public static string User => PgTestUsers.Meta;

    public static string Database => PgTestUsers.TestDatabase;

    public string Password => cluster.Credentials.PasswordFor(User);

    internal static async Task<DifferentialEnvironment> StartAsync(PgTestCluster cluster, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var primary = cluster.Primary;
        var poolPort = FreePort(primary.Address);
        var l4Port = FreePort(primary.Address);
        var password = cluster.Credentials.PasswordFor(User);
        // A member going down is never what a conversation tests, and a dest: pool service fences its
        // member at the first failed check: checks every 2 s, each with 2 s to connect (a check's
        // connect deadline is its interval), so that a loaded machine does not fail one (long runs saw
        // 200 and 500 ms deadlines missed, and pooled sessions fenced mid-conversation).
        const string Options = "inter 2s fastinter 2s downinter 500ms rise 1 fall 10";
        var yaml = cluster.ToInventoryYaml([
            new("pg_monitor_password", $"'{cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
            new("pg_users", $"[{{name: {User}, password: '{password}', pgbouncer: true}}]"),
            new("pgbouncer_poolmode", "transaction"),
            new("pgbouncer_default_pool_size", PoolServiceSize.ToString(CultureInfo.InvariantCulture)),
            new("pgbouncer_query_wait_timeout", "30"),
            new("pg_default_services",
                $"[{{name: primary, port: {poolPort}, ip: '{primary.Address}', dest: pool, selector: '[? pg_role == `primary`]', check: /primary, check_method: postgres, options: '{Options}'}}, " +
                $"{{name: default, port: {l4Port}, ip: '{primary.Address}', dest: postgres, selector: '[? pg_role == `primary`]', check: /primary, check_method: postgres, options: '{Options}'}}]"),
        ]);
        var inventory = InventoryLoader.LoadText(yaml, "differential.yml");
        if (inventory.HasErrors)
        {
            throw new InvalidOperationException(string.Join('\n', inventory.Errors));
        }
        var options = new GatewayOptions([.. cluster.Instances.Select(i => i.Address.ToString())], RunAgents: false,
            HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty) { RunPoolers = false, RunAdmin = false };
        var host = await GatewayHost.StartAsync(inventory.Topology!, options, TimeProvider.System, Logs, cancellationToken);
        try
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(TimeSpan.FromSeconds(60));
            while (!host.Snapshot().All(s => s.Members.Any(m => m.IsUp)))
            {
                await Task.Delay(50, bound.Token);
            }
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
        return new DifferentialEnvironment(cluster, host, new IPEndPoint(primary.Address, poolPort), new IPEndPoint(primary.Address, l4Port));
    }

    /// <summary>Where clients connect for <paramref name="path"/>; a pooler started for this run is stopped when the lease is disposed.</summary>
    internal Task<PathLease> OpenAsync(DifferentialPath path, int poolSize)
    {
        switch (path)
        {
            case DifferentialPath.Direct:
                return Task.FromResult(new PathLease(new IPEndPoint(cluster.Primary.Address, PgTestCluster.Port), null));
            case DifferentialPath.PoolService:
                return Task.FromResult(new PathLease(poolService, null));
            case DifferentialPath.L4Service:
                return Task.FromResult(new PathLease(l4Service, null));
            default:
                var pooler = StartPooler(path == DifferentialPath.PoolerSession ? "session" : "transaction", poolSize);
                return Task.FromResult(new PathLease(pooler.LocalEndPoint, pooler));
        }
    }

    /// <summary>
    /// The database conversations of worker <paramref name="worker"/> run in: the test database for the
    /// first, a fresh one owned by <see cref="User"/> for each other, so workers run side by side without
    /// sharing tables or pools (pgway pools per database).
    /// </summary>
    public async Task<string> DatabaseForWorkerAsync(int worker, CancellationToken cancellationToken)
    {
        if (worker == 0)
        {
            return Database;
        }
        var name = $"differential_{worker}";
        await cluster.ExecuteNonQueryAsync(cluster.Primary, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)", cancellationToken: cancellationToken);
        await cluster.ExecuteNonQueryAsync(cluster.Primary, $"CREATE DATABASE {name} OWNER {User}", cancellationToken: cancellationToken);
        return name;
    }

    /// <summary>Drops and makes again the schema and tables of each of <paramref name="clients"/> clients, so each path starts from the same data.</summary>
    public async Task ResetSchemasAsync(string database, int clients, CancellationToken cancellationToken)
    {
        var sql = "SET lock_timeout = '20s'; SET client_min_messages = warning;\n";
        for (var client = 0; client < clients; client++)
        {
            var schema = Model.Conversation.Schema(client);
            sql += $"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};\n" +
                $"CREATE TABLE {schema}.t (id int PRIMARY KEY, a int, b text); INSERT INTO {schema}.t VALUES (1, 10, 'one'), (2, 20, 'two'), (3, 30, 'three');\n" +
                $"CREATE TABLE {schema}.c (id int, v text);\n" +
                $"CREATE TABLE {schema}.u (k int, m int, n text); INSERT INTO {schema}.u VALUES (1, 2, 'x'), (3, 4, 'y');\n";
        }
        var reset = resetConnections.GetOrAdd(database, _ => new ResetConnection());
        await reset.Gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                reset.Connection ??= await cluster.OpenConnectionAsync(cluster.Primary, User, database, cancellationToken);
                try
                {
                    await using var command = new NpgsqlCommand(sql, reset.Connection);
                    await command.ExecuteNonQueryAsync(cancellationToken);
                    break;
                }
                catch (NpgsqlException) when (attempt == 0 && reset.Connection.FullState.HasFlag(System.Data.ConnectionState.Broken))
                {
                    // Its backend was ended (a database dropped and made again for a worker): a new one.
                    await reset.Connection.DisposeAsync();
                    reset.Connection = null;
                }
            }
        }
        finally
        {
            reset.Gate.Release();
        }
        if (Interlocked.Increment(ref resets) % ResetsPerCheckpoint == 0)
        {
            // PostgreSQL unlinks a dropped table's files only at the next checkpoint: every reset leaves a
            // dozen, and a long run's database directories grew to 25,000 files, where every backend's
            // file lookups took a quarter of the machine's CPU.
            await cluster.ExecuteNonQueryAsync(cluster.Primary, "CHECKPOINT", cancellationToken: cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var reset in resetConnections.Values)
        {
            if (reset.Connection is { } connection)
            {
                await connection.DisposeAsync();
            }
            reset.Gate.Dispose();
        }
        await host.DisposeAsync();
    }

    private sealed class ResetConnection
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public NpgsqlConnection? Connection { get; set; }
    }

    private Pooler StartPooler(string mode, int poolSize)
    {
        var variables = new Dictionary<string, string>
        {
            ["pgbouncer_poolmode"] = mode,
            ["pgbouncer_default_pool_size"] = poolSize.ToString(CultureInfo.InvariantCulture),
            ["pgbouncer_query_wait_timeout"] = "30",
        };
        var inventory = InventoryLoader.LoadText(cluster.ToInventoryYaml(variables), "pooler.yml");
        if (inventory.HasErrors)
        {
            throw new InvalidOperationException(string.Join('\n', inventory.Errors));
        }
        var settings = inventory.Topology!.Clusters.Single().Pooler;
        return Pooler.Start(new PoolerOptions(new IPEndPoint(cluster.Primary.Address, 0), new IPEndPoint(cluster.Primary.Address, PgTestCluster.Port),
            settings, new Dictionary<string, string> { [User] = Password }, null), TimeProvider.System, Logs.CreateLogger("pooler"));
    }

    private static int FreePort(IPAddress address)
    {
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
