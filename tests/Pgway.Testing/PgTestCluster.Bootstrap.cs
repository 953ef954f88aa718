using System.Globalization;
using System.Text;

namespace Pgway.Testing;

// Building the cluster: initdb, configuration, users, standbys.
internal sealed partial class PgTestCluster
{
    private static readonly string s_sharedSettings = $"""

        # --- pgway test harness: shared by every instance (pg_basebackup copies this file) ---
        wal_level = replica
        max_wal_senders = 10
        max_replication_slots = 10
        hot_standby = on
        max_connections = 100
        {PgTestServerSettings.TuningConf()}
        # pg_ctl -l sends stderr to the instance's own postgres.log, outside the data directory.
        logging_collector = off
        # Per-instance settings (addresses, socket directory, upstream) live in instance.conf, last so they win.
        include_if_exists = 'instance.conf'

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
        await File.WriteAllTextAsync(Path.Combine(Primary.DataDirectory, "pg_hba.conf"), PgTestServerSettings.HbaFile(), cancellationToken);
        await WriteInstanceConfAsync(Primary, cancellationToken);
        await _runner.HandOverAsync(Primary.Directory, cancellationToken);
    }

    private async Task CreateUsersAsync(CancellationToken cancellationToken)
    {
        // Over TCP with the SCRAM password: bootstrapping doubles as the first proof that authentication works.
        await using var connection = await OpenConnectionAsync(Primary, cancellationToken: cancellationToken);
        await PgTestUsers.CreateAsync(connection, Credentials, replicatorExists: false, cancellationToken);
    }

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
        PgTestServerSettings.CreateSocketDirectory(instance.SocketDirectory, Port);
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
