using System.Globalization;
using System.Text;
using Npgsql;

namespace Pgway.Testing.Network;

// Building the PostgreSQL side: initdb once, the primary on host 1, replicas cloned over its socket.
internal sealed partial class MultiHostCluster
{
    private static readonly string s_sharedSettings = $"""

        # --- pgway test network: shared by every host (pg_basebackup copies this file) ---
        wal_level = replica
        max_wal_senders = 10
        hot_standby = on
        max_connections = 100
        {PgTestServerSettings.TuningConf()}
        include_if_exists = 'instance.conf'

        """;

    /// <summary>
    /// The loopback rules of every test server, the own socket for replication too (the replicas are cloned
    /// through it), and SCRAM from the segment, where the replicas stream from and the pgways connect from.
    /// </summary>
    private static readonly IReadOnlyList<string> s_hbaRules =
    [
        .. PgTestServerSettings.HbaRules,
        "local   replication   all                     trust",
        $"host    all           all        {TestNetwork.Subnet}  scram-sha-256",
        $"host    replication   all        {TestNetwork.Subnet}  scram-sha-256",
    ];

    private static readonly string s_hba = string.Join('\n',
    [
        "# pgway test network: trust over the server's own socket, SCRAM over TCP on loopback and the test segment.",
        .. s_hbaRules,
        string.Empty,
    ]);

    private async Task BootstrapAsync(CancellationToken cancellationToken)
    {
        await InitPrimaryAsync(cancellationToken);
        await StartPostgresAsync(Primary, cancellationToken);
        await using (var connection = await PgConnections.OpenAsync(SocketConnectionString(Primary), cancellationToken))
        {
            await PgTestUsers.CreateAsync(connection, Credentials, replicatorExists: false, cancellationToken);
        }

        await Task.WhenAll(Members.Skip(1).Select(replica => CloneAndStartAsync(replica, cancellationToken)));
        await WaitForStreamingAsync(cancellationToken);
    }

    private async Task InitPrimaryAsync(CancellationToken cancellationToken)
    {
        PrepareMemberDirectory(Primary);
        var passwordFile = Path.Combine(_directory.FullPath, "initdb.pwfile");
        await File.WriteAllTextAsync(passwordFile, Credentials.PasswordFor(PgTestUsers.Postgres) + "\n", cancellationToken);
        await _runner.HandOverAsync(_directory.FullPath, cancellationToken);
        var result = await _runner.RunPgAsync(
            "initdb",
            ["-D", Primary.DataDirectory, "-U", PgTestUsers.Postgres, $"--pwfile={passwordFile}", "--encoding=UTF8", "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"],
            Primary.Directory,
            null,
            _options.OperationTimeout,
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

    private async Task CloneAndStartAsync(MultiHostMember replica, CancellationToken cancellationToken)
    {
        PrepareMemberDirectory(replica);
        await _runner.HandOverAsync(replica.Directory, cancellationToken);

        // Through the primary's socket: the harness runs in the root namespace, which has no way onto the segment.
        var result = await _runner.RunPgAsync(
            "pg_basebackup",
            ["-h", Primary.SocketDirectory, "-p", PostgresPort.ToString(CultureInfo.InvariantCulture), "-U", PgTestUsers.Replicator, "-D", replica.DataDirectory, "-X", "stream", "-c", "fast", "--no-password", "--no-sync"],
            replica.Directory,
            null,
            _options.OperationTimeout,
            cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(LogTail.Describe($"pg_basebackup of {replica} failed: {result.Describe()}", Primary.PostgresLogPath));
        }

        await File.WriteAllTextAsync(Path.Combine(replica.DataDirectory, "standby.signal"), string.Empty, cancellationToken);
        await WriteInstanceConfAsync(replica, cancellationToken);
        await _runner.HandOverAsync(replica.Directory, cancellationToken);
        await StartPostgresAsync(replica, cancellationToken);
    }

    /// <summary>Runs the postmaster itself (not pg_ctl, which forks away) inside the member's host, as the service user.</summary>
    private async Task StartPostgresAsync(MultiHostMember member, CancellationToken cancellationToken)
    {
        var process = Network.Start(
            member.Host,
            "postgres",
            member.Directory,
            _runner.Binaries.PathOf("postgres"),
            ["-D", member.DataDirectory],
            member.DataDirectory,
            _runner.RunAsServiceUser ? PgCommandRunner.ServiceUser : null);
        await Wait.UntilAsync(
            async token => process.IsRunning
                ? await CanConnectAsync(member, token)
                : throw new InvalidOperationException(LogTail.Describe($"postgres of {member} exited with {process.ExitCode} while starting.", member.PostgresLogPath)),
            _options.OperationTimeout,
            () => LogTail.Describe($"postgres of {member} did not accept connections.", member.PostgresLogPath),
            cancellationToken);
    }

    private static async Task<bool> CanConnectAsync(MultiHostMember member, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await PgConnections.OpenAsync(SocketConnectionString(member), cancellationToken);
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private async Task WaitForStreamingAsync(CancellationToken cancellationToken)
    {
        var names = Members.Skip(1).Select(member => member.Name).ToArray();
        long streaming = 0;
        await Wait.UntilAsync(
            async token =>
            {
                streaming = await PgConnections.ScalarAsync<long>(
                    SocketConnectionString(Primary),
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name = ANY($1)",
                    [names],
                    token);
                return streaming == names.Length;
            },
            _options.OperationTimeout,
            () => LogTail.Describe($"only {streaming} of [{string.Join(", ", names)}] stream from {Primary}.", Members.Select(member => member.PostgresLogPath), 30),
            cancellationToken);
    }

    private static void PrepareMemberDirectory(MultiHostMember member)
    {
        Directory.CreateDirectory(member.Directory);
        PgTestServerSettings.CreateSocketDirectory(member.SocketDirectory, PostgresPort);
    }

    /// <summary>Per-member settings: the host's own address, its socket, and for a replica the primary across the segment.</summary>
    private Task WriteInstanceConfAsync(MultiHostMember member, CancellationToken cancellationToken)
    {
        var conf = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# {member.Name}: {member.Role} on {member.Host.Name}, written by the pgway test network")
            .AppendLine(CultureInfo.InvariantCulture, $"listen_addresses = '{member.Host.Address}'")
            .AppendLine(CultureInfo.InvariantCulture, $"port = {PostgresPort}")
            .AppendLine(CultureInfo.InvariantCulture, $"unix_socket_directories = '{member.SocketDirectory}'")
            .AppendLine(CultureInfo.InvariantCulture, $"cluster_name = '{member.Name}'");
        if (member.Role != PgInstanceRole.Primary)
        {
            conf.AppendLine(CultureInfo.InvariantCulture,
                $"primary_conninfo = 'host={Primary.Host.Address} port={PostgresPort} user={PgTestUsers.Replicator} password={Credentials.PasswordFor(PgTestUsers.Replicator)} application_name={member.Name} sslmode=disable'");
        }

        return File.WriteAllTextAsync(Path.Combine(member.DataDirectory, "instance.conf"), conf.ToString(), cancellationToken);
    }
}
