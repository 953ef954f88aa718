using System.Globalization;
using System.Text;
using Pgway.LocalPostgres;
using Pgway.Testing;
using Pgway.Testing.Network;

namespace Pgway.Bench.Vip;

/// <summary>
/// The lab has no Patroni, so the bench does its part in a leader change: stops the old primary, promotes a
/// replica with <c>pg_ctl promote</c>, and (through <see cref="LeaderKey"/>) moves the leader key; afterwards the old
/// primary rejoins as a streaming replica of the new one, so the next round can switch back.
/// </summary>
internal sealed class Patroni(MultiHostCluster cluster, string work)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private readonly PgCommandRunner _runner = new(PgBinaries.Locate(null), PgCommandRunner.IsRoot());

    public async Task StopAsync(MultiHostMember member, CancellationToken cancellationToken) =>
        Check(await _runner.PgCtlAsync(member.DataDirectory, ["stop", "-m", "fast"], work, s_timeout, cancellationToken), $"stopping {member.Name}");

    /// <summary>Promotes <paramref name="member"/> and returns once it accepts writes.</summary>
    public async Task PromoteAsync(MultiHostMember member, CancellationToken cancellationToken)
    {
        Check(await _runner.PgCtlAsync(member.DataDirectory, ["promote"], work, s_timeout, cancellationToken), $"promoting {member.Name}");
        await Wait.UntilAsync(
            async token => !await PgConnections.ScalarAsync<bool>(MultiHostCluster.SocketConnectionString(member), "SELECT pg_is_in_recovery()", [], token),
            s_timeout,
            () => $"{member.Name} is still in recovery after pg_ctl promote",
            cancellationToken);
    }

    /// <summary>Starts the stopped <paramref name="member"/> as a streaming replica of <paramref name="primary"/> and returns once it streams.</summary>
    public async Task RejoinAsync(MultiHostMember member, MultiHostMember primary, CancellationToken cancellationToken)
    {
        // The settings the lab wrote for it, with the new primary as upstream (a clean stop lets it follow the new timeline).
        var conf = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# {member.Name}: a replica of {primary.Name} again, written by bench/vip")
            .AppendLine(CultureInfo.InvariantCulture, $"listen_addresses = '{member.Host.Address}'")
            .AppendLine(CultureInfo.InvariantCulture, $"port = {MultiHostCluster.PostgresPort}")
            .AppendLine(CultureInfo.InvariantCulture, $"unix_socket_directories = '{member.SocketDirectory}'")
            .AppendLine(CultureInfo.InvariantCulture, $"cluster_name = '{member.Name}'")
            .AppendLine(CultureInfo.InvariantCulture,
                $"primary_conninfo = 'host={primary.Host.Address} port={MultiHostCluster.PostgresPort} user={PgTestUsers.Replicator} password={cluster.Credentials.PasswordFor(PgTestUsers.Replicator)} application_name={member.Name} sslmode=disable'");
        await File.WriteAllTextAsync(Path.Combine(member.DataDirectory, "instance.conf"), conf.ToString(), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(member.DataDirectory, "standby.signal"), string.Empty, cancellationToken);
        await _runner.HandOverAsync(member.DataDirectory, cancellationToken);

        var process = cluster.Network.Start(
            member.Host,
            "postgres",
            member.Directory,
            _runner.Binaries.PathOf("postgres"),
            ["-D", member.DataDirectory],
            member.DataDirectory,
            _runner.RunAsServiceUser ? PgCommandRunner.ServiceUser : null);
        await Wait.UntilAsync(
            async token =>
            {
                if (!process.IsRunning)
                {
                    throw new InvalidOperationException(LogTail.Describe($"postgres of {member.Name} exited with {process.ExitCode} while rejoining.", member.PostgresLogPath));
                }

                return await PgConnections.ScalarAsync<long>(
                    MultiHostCluster.SocketConnectionString(primary),
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name = $1",
                    [member.Name],
                    token) == 1;
            },
            s_timeout,
            () => LogTail.Describe($"{member.Name} does not stream from {primary.Name}.", member.PostgresLogPath),
            cancellationToken);
    }

    private static void Check(CommandResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{what} failed: {result.Describe()}");
        }
    }
}
