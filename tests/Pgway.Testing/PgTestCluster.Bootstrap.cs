using System.Globalization;
using System.Text;
using Npgsql;

namespace Pgway.Testing;

// Building the cluster: initdb, configuration, users, standbys.
public sealed partial class PgTestCluster
{
    // The UNIX socket path limit is 107 bytes; a long TMPDIR would make postgres fail obscurely.
    private const int MaxSocketPathLength = 100;

    private static readonly string s_sharedSettings = """

        # --- pgway test harness: shared by every instance (pg_basebackup copies this file) ---
        wal_level = replica
        max_wal_senders = 10
        max_replication_slots = 10
        wal_keep_size = '128MB'
        hot_standby = on
        # A standby whose upstream restarts retries after 5 s by default; tests should not wait that long.
        wal_retrieve_retry_interval = '200ms'
        # Durability is worthless for throw-away test data and fsync costs seconds per cluster.
        fsync = off
        shared_buffers = '16MB'
        max_connections = 100
        password_encryption = 'scram-sha-256'
        # pg_ctl -l sends stderr to the instance's own postgres.log, outside the data directory.
        logging_collector = off
        log_line_prefix = '%m [%p] %q%u@%d '
        # Per-instance settings (addresses, socket directory, upstream) live in instance.conf, last so they win.
        include_if_exists = 'instance.conf'

        """;

    private static readonly string s_hba = """
        # pgway test harness: trust over the instance's own socket, SCRAM over TCP on loopback.
        local   all           all                     trust
        host    all           all        127.0.0.0/8  scram-sha-256
        host    replication   all        127.0.0.0/8  scram-sha-256

        """;

    private async Task BootstrapAsync(CancellationToken cancellationToken)
    {
        await InitPrimaryAsync(cancellationToken);
        await StartAsync(Primary, cancellationToken);
        await CreateUsersAsync(cancellationToken);

        // Standbys are independent of each other: clone and start them side by side.
        await Task.WhenAll(Replicas.Select(replica => CloneAndStartAsync(replica, cancellationToken)));
        await WaitForStreamingAsync(cancellationToken);
    }

    private async Task InitPrimaryAsync(CancellationToken cancellationToken)
    {
        PrepareInstanceDirectory(Primary);

        // initdb reads the superuser password from a file so it never appears in a process listing.
        var passwordFile = Path.Combine(RootDirectory, "initdb.pwfile");
        await File.WriteAllTextAsync(passwordFile, Credentials.PasswordFor(PgTestUsers.Postgres) + "\n", cancellationToken);
        await _runner.HandOverAsync(RootDirectory, cancellationToken);
        var result = await _runner.RunPgAsync(
            "initdb",
            [
                "-D", Primary.DataDirectory,
                "-U", PgTestUsers.Postgres,
                $"--pwfile={passwordFile}",
                "--encoding=UTF8",
                "--locale=C",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync",
            ],
            Primary.Directory,
            null,
            OperationTimeout,
            cancellationToken);
        File.Delete(passwordFile);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"initdb of {Primary} failed: {result.Describe()}");
        }

        await File.AppendAllTextAsync(Path.Combine(Primary.DataDirectory, "postgresql.conf"), s_sharedSettings, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(Primary.DataDirectory, "pg_hba.conf"), s_hba, cancellationToken);
        await WriteInstanceConfAsync(Primary, cancellationToken);
        await _runner.HandOverAsync(Primary.Directory, cancellationToken);
    }

    private async Task CreateUsersAsync(CancellationToken cancellationToken)
    {
        var sql = new StringBuilder();
        AppendRole(sql, PgTestUsers.Replicator, "LOGIN REPLICATION");
        AppendRole(sql, PgTestUsers.Dba, "LOGIN SUPERUSER");
        AppendRole(sql, PgTestUsers.Monitor, "LOGIN");
        AppendRole(sql, PgTestUsers.Meta, "LOGIN");
        AppendRole(sql, PgTestUsers.View, "LOGIN");
        sql.Append(CultureInfo.InvariantCulture, $"GRANT pg_monitor TO {PgTestUsers.Monitor}, {PgTestUsers.Replicator};");

        // Over TCP with the SCRAM password: bootstrapping doubles as the first proof that authentication works.
        await using var connection = await OpenConnectionAsync(Primary, cancellationToken: cancellationToken);
        await using (var roles = new NpgsqlCommand(sql.ToString(), connection))
        {
            await roles.ExecuteNonQueryAsync(cancellationToken);
        }

        // CREATE DATABASE refuses to run inside the implicit transaction of a multi-statement batch.
        await using var database = new NpgsqlCommand($"CREATE DATABASE {PgTestUsers.TestDatabase} OWNER {PgTestUsers.Meta}", connection);
        await database.ExecuteNonQueryAsync(cancellationToken);
    }

    private void AppendRole(StringBuilder sql, string user, string attributes) =>
        sql.Append(CultureInfo.InvariantCulture, $"CREATE ROLE {user} {attributes} PASSWORD '{Credentials.PasswordFor(user)}';");

    private async Task CloneAndStartAsync(PgInstance replica, CancellationToken cancellationToken)
    {
        var upstream = replica.Upstream ?? Primary;
        PrepareInstanceDirectory(replica);
        await _runner.HandOverAsync(replica.Directory, cancellationToken);

        // -c fast: without it pg_basebackup waits for a spread checkpoint, about 100 s instead of under one.
        // No -R: standby.signal and primary_conninfo are written below into files the harness owns, with
        // application_name set so that synchronous_standby_names can name the instance.
        var result = await _runner.RunPgAsync(
            "pg_basebackup",
            [
                "-h", upstream.Address.ToString(),
                "-p", Port.ToString(CultureInfo.InvariantCulture),
                "-U", PgTestUsers.Replicator,
                "-D", replica.DataDirectory,
                "-X", "stream",
                "-c", "fast",
                "--no-password",
                "--no-sync",
            ],
            replica.Directory,
            new Dictionary<string, string> { ["PGPASSWORD"] = Credentials.PasswordFor(PgTestUsers.Replicator) },
            OperationTimeout,
            cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(LogTail.Describe($"pg_basebackup of {replica} from {upstream} failed: {result.Describe()}", upstream.LogPath));
        }

        await File.WriteAllTextAsync(Path.Combine(replica.DataDirectory, "standby.signal"), string.Empty, cancellationToken);
        await WriteInstanceConfAsync(replica, cancellationToken);
        await _runner.HandOverAsync(replica.Directory, cancellationToken);
        await StartAsync(replica, cancellationToken);
    }

    private async Task WaitForStreamingAsync(CancellationToken cancellationToken)
    {
        var names = Replicas.Select(replica => replica.Name).ToArray();
        if (names.Length == 0)
        {
            return;
        }

        long streaming = 0;
        await Wait.UntilAsync(
            async token =>
            {
                streaming = await QueryScalarAsync<long>(
                    Primary,
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name = ANY($1)",
                    [names],
                    token);
                return streaming == names.Length;
            },
            OperationTimeout,
            () => LogTail.Describe($"only {streaming} of [{string.Join(", ", names)}] stream from {Primary}.", Primary.LogPath),
            cancellationToken);
    }

    private static void PrepareInstanceDirectory(PgInstance instance)
    {
        Directory.CreateDirectory(instance.Directory);
        Directory.CreateDirectory(instance.SocketDirectory);
        var socketPath = Path.Combine(instance.SocketDirectory, $".s.PGSQL.{Port}");
        if (Encoding.UTF8.GetByteCount(socketPath) > MaxSocketPathLength)
        {
            throw new InvalidOperationException(
                $"The socket path {socketPath} is too long for a UNIX socket; point TMPDIR at a shorter directory.");
        }
    }

    /// <summary>
    /// Writes the settings that differ per instance into <c>instance.conf</c>, which postgresql.conf
    /// includes last, so a standby cloned from the primary gets its own address by rewriting one file.
    /// </summary>
    private Task WriteInstanceConfAsync(PgInstance instance, CancellationToken cancellationToken)
    {
        var conf = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# {instance.Name}: {instance.Role}, written by the pgway test harness")
            .AppendLine(CultureInfo.InvariantCulture, $"listen_addresses = '{instance.Address}'")
            .AppendLine(CultureInfo.InvariantCulture, $"port = {Port}")
            .AppendLine(CultureInfo.InvariantCulture, $"unix_socket_directories = '{instance.SocketDirectory}'")
            .AppendLine(CultureInfo.InvariantCulture, $"cluster_name = '{instance.Name}'");
        if (instance.Upstream is { } upstream)
        {
            conf.AppendLine(CultureInfo.InvariantCulture,
                $"primary_conninfo = 'host={upstream.Address} port={Port} user={PgTestUsers.Replicator} password={Credentials.PasswordFor(PgTestUsers.Replicator)} application_name={instance.Name} sslmode=disable'");
        }

        return File.WriteAllTextAsync(Path.Combine(instance.DataDirectory, "instance.conf"), conf.ToString(), cancellationToken);
    }
}
