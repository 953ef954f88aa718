using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pgway.Configuration;
using Pgway.Pooling;
using Pgway.Testing;
using Pgway.Transport;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// Starts a <see cref="Pooler"/> in front of a test cluster's primary, configured as the cluster's
/// Pigsty inventory says plus the pooler variables a test gives, and connects Npgsql clients to it.
/// The caller disposes what it gets.
/// </summary>
internal static class PoolerHarness
{
    /// <summary>The user every pooler test logs in as; its secret is the only one the pooler knows.</summary>
    public const string User = PgTestUsers.Meta;

    /// <summary>The database the test clients ask for.</summary>
    public const string Database = PgTestUsers.TestDatabase;

    /// <summary>
    /// A pooler on an ephemeral port of the primary's address, forwarding to <paramref name="backendPort"/>
    /// there, with <c>pgbouncer_poolmode</c> <paramref name="mode"/>, <paramref name="poolSize"/> servers per
    /// pool and the inventory variables in <paramref name="extra"/>.
    /// </summary>
    public static Pooler Start(
        PgTestCluster cluster,
        string mode,
        int poolSize = 2,
        string? secret = null,
        IReadOnlyList<KeyValuePair<string, string>>? extra = null,
        string waitTimeout = "10",
        int backendPort = PgTestCluster.Port,
        EpollLoopGroup? loops = null)
    {
        var variables = new Dictionary<string, string>
        {
            ["pgbouncer_poolmode"] = mode,
            ["pgbouncer_default_pool_size"] = poolSize.ToString(CultureInfo.InvariantCulture),
            ["pgbouncer_query_wait_timeout"] = waitTimeout,
        };
        foreach (var (name, value) in extra ?? [])
        {
            variables[name] = value;
        }
        return Start(cluster, variables, new Dictionary<string, string> { [User] = secret ?? cluster.Credentials.PasswordFor(User) }, backendPort: backendPort, loops: loops);
    }

    /// <summary>
    /// A pooler on an ephemeral port of the primary's address with the inventory <paramref name="variables"/>,
    /// knowing <paramref name="secrets"/> by user, with <paramref name="hba"/> rules if given.
    /// </summary>
    public static Pooler Start(
        PgTestCluster cluster,
        IReadOnlyDictionary<string, string> variables,
        IReadOnlyDictionary<string, string> secrets,
        Pgway.Pooling.Authentication.HbaFile? hba = null,
        int backendPort = PgTestCluster.Port,
        TimeProvider? time = null,
        EpollLoopGroup? loops = null)
    {
        var inventory = InventoryLoader.LoadText(cluster.ToInventoryYaml(variables), "pooler.yml");
        Assert.False(inventory.HasErrors, string.Join('\n', inventory.Errors));
        var settings = inventory.Topology!.Clusters.Single().Pooler;
        return Pooler.Start(new PoolerOptions(new IPEndPoint(cluster.Primary.Address, 0), new IPEndPoint(cluster.Primary.Address, backendPort),
            settings, secrets, hba), loops, time ?? TimeProvider.System, NullLogger.Instance);
    }

    /// <summary>
    /// Settings for an unpooled Npgsql connection to <paramref name="pooler"/> as <see cref="User"/>, with
    /// timeouts short enough that a hung pooler fails a test instead of hanging it.
    /// </summary>
    public static NpgsqlConnectionStringBuilder ConnectionStringBuilder(
        Pooler pooler,
        PgTestCluster cluster,
        string? password = null,
        string database = Database,
        string? applicationName = null,
        string? timezone = null) =>
        new()
        {
            Host = pooler.LocalEndPoint.Address.ToString(),
            Port = pooler.LocalEndPoint.Port,
            Username = User,
            Password = password ?? cluster.Credentials.PasswordFor(User),
            Database = database,
            Pooling = false,
            Timeout = 15,
            CommandTimeout = 20,
            ApplicationName = applicationName,
            Timezone = timezone,
        };

    /// <summary>
    /// A new connection as <paramref name="user"/> that tries once per open: with SSL and GSS
    /// encryption off, Npgsql does not retry a refused log-in without them, so each refusal the
    /// pooler counts is one open.
    /// </summary>
    public static NpgsqlConnection ConnectOnce(Pooler pooler, PgTestCluster cluster, string user, string? password = null, string? options = null) =>
        new(new NpgsqlConnectionStringBuilder(ConnectionStringBuilder(pooler, cluster, password).ConnectionString)
        {
            Username = user,
            Password = password ?? cluster.Credentials.PasswordFor(user),
            Options = options,
            SslMode = SslMode.Disable,
            GssEncryptionMode = GssEncryptionMode.Disable,
        }.ConnectionString);

    /// <summary>A new, not yet opened, connection with the settings of <see cref="ConnectionStringBuilder"/>.</summary>
    public static NpgsqlConnection Connect(
        Pooler pooler,
        PgTestCluster cluster,
        string? password = null,
        string database = Database,
        string? applicationName = null,
        string? timezone = null) =>
        new(ConnectionStringBuilder(pooler, cluster, password, database, applicationName, timezone).ConnectionString);

    /// <summary>A client program of the cluster's PostgreSQL (psql, pgbench) as <see cref="User"/>, with its password, bounded in time.</summary>
    public static Task<CommandResult> RunClientAsync(PgTestCluster cluster, string program, IReadOnlyList<string> arguments) =>
        PgCommandRunner.RunAsync(cluster.Binaries.PathOf(program), arguments, Path.GetTempPath(),
            new Dictionary<string, string> { ["PGPASSWORD"] = cluster.Credentials.PasswordFor(User), ["PGCONNECT_TIMEOUT"] = "15" },
            TimeSpan.FromSeconds(120), CancellationToken.None);

    /// <summary>
    /// A new database owned by <see cref="User"/> with pgbench's tables (scale 1), made directly on
    /// the primary; the returned cleanup drops it.
    /// </summary>
    public static async Task<(string Database, Func<Task> Drop)> CreatePgbenchDatabaseAsync(PgTestCluster cluster, string prefix)
    {
        var database = $"{prefix}_{Guid.NewGuid():N}";
        Func<Task> drop = () => cluster.ExecuteNonQueryAsync(cluster.Primary, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        await cluster.ExecuteNonQueryAsync(cluster.Primary, $"CREATE DATABASE {database} OWNER {User}");
        var init = await RunClientAsync(cluster, "pgbench",
            ["-i", "-q", "-s", "1", "-h", cluster.Primary.Address.ToString(), "-p", PgTestCluster.Port.ToString(CultureInfo.InvariantCulture), "-U", User, database]);
        Assert.True(init.Succeeded, init.Describe());
        return (database, drop);
    }
}
