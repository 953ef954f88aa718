using Pgway.LocalPostgres;

namespace Pgway.Testing.Network;

// With MultiHostClusterOptions.Patroni: one Patroni per host over the lab's etcd, host 1 bootstrapping; killing and
// restarting a whole host; asking who leads (the leader key, as pgway and vip-manager read it).
internal sealed partial class MultiHostCluster
{
    /// <summary>Patroni's namespace, Pigsty's <c>pg_namespace</c> default.</summary>
    public const string PatroniNamespace = "/pg";

    /// <summary>The DCS key naming the leader's member, as pgway and vip-manager watch it.</summary>
    public static string LeaderKey => $"{PatroniNamespace}/{ClusterName}/leader";

    private readonly Dictionary<MultiHostMember, DaemonProcess> _patronis = [];

    // Hosts KillHostAsync powered off and StartHostAsync has not booted yet.
    private readonly HashSet<MultiHostMember> _killedHosts = [];

    /// <summary><paramref name="member"/>'s patroni.yml (for <c>patronictl -c</c>).</summary>
    public static string PatroniConfigPath(MultiHostMember member) => Path.Combine(member.Directory, "patroni.yml");

    /// <summary>The member the leader key names, read through etcd from the client namespace; null without a leader (or etcd).</summary>
    public async Task<MultiHostMember?> LeaderAsync(CancellationToken cancellationToken = default)
    {
        var answer = await EtcdctlFromClientAsync(["get", "--print-value-only", LeaderKey], cancellationToken);
        var name = answer.Succeeded ? answer.StandardOutput.Trim() : string.Empty;
        return Members.FirstOrDefault(member => member.Name == name);
    }

    /// <summary>
    /// Waits until the leader key names a member (<paramref name="expected"/> if given, else any but
    /// <paramref name="not"/>) whose postgres takes writes (out of recovery, asked over its socket), and returns it.
    /// </summary>
    public async Task<MultiHostMember> WaitForLeaderAsync(MultiHostMember? expected = null, MultiHostMember? not = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        MultiHostMember? leader = null;
        await Wait.UntilAsync(
            async token =>
            {
                leader = await LeaderAsync(token);
                return leader is not null
                    && (expected is null || leader == expected)
                    && leader != not
                    && await IsWritableAsync(leader, token);
            },
            timeout ?? _options.OperationTimeout,
            () => $"waited for the leader {expected?.Name ?? "(any)"}{(not is null ? string.Empty : $" other than {not.Name}")}; the key names {leader?.Name ?? "nobody"}.\n{DescribeLogs()}",
            cancellationToken);
        return leader!;
    }

    // The members other than the leader that do not stream from it now (all of them if it cannot be asked).
    private async Task<List<MultiHostMember>> NotStreamingAsync(MultiHostMember leader, CancellationToken cancellationToken)
    {
        try
        {
            var streaming = await PgConnections.ScalarAsync<string[]>(
                SocketConnectionString(leader),
                "SELECT coalesce(array_agg(application_name::text), '{}') FROM pg_stat_replication WHERE state = 'streaming'",
                [],
                cancellationToken) ?? [];
            return [.. Members.Where(member => member != leader && !streaming.Contains(member.Name))];
        }
        catch (Npgsql.NpgsqlException)
        {
            return [.. Members.Where(member => member != leader)];
        }
    }

    /// <summary>
    /// Re-bases <paramref name="member"/>, a replica: its Patroni and postgres are killed, its data directory removed,
    /// and its Patroni started again, which clones an empty member from the leader (as it cloned the replicas at the
    /// lab's start). Not <c>patronictl reinit</c>: it exits 0 whether or not the member took the request, and in the
    /// lab a stuck former leader was once left as it was, still asking the leader for WAL it never had.
    /// </summary>
    internal async Task RebaseAsync(MultiHostMember member, CancellationToken cancellationToken)
    {
        if (await LeaderAsync(cancellationToken) == member)
        {
            throw new InvalidOperationException($"{member} leads: it is not re-based.\n{DescribeLogs()}");
        }

        if (_patronis.Remove(member, out var patroni))
        {
            patroni.Kill();
            await patroni.WaitForExitAsync(_options.OperationTimeout, cancellationToken);
        }

        await DataDirectoryProcesses.KillAllAsync(member.DataDirectory, _options.OperationTimeout, cancellationToken);

        // Patroni may have removed it already (a failed rewind), and been killed before cloning it again.
        if (Directory.Exists(member.DataDirectory))
        {
            Directory.Delete(member.DataDirectory, recursive: true);
        }

        PostmasterProcess.RemoveStaleLockFiles(member.DataDirectory, member.SocketDirectory, PostgresPort);
        StartPatroni(member);
    }

    /// <summary>
    /// Waits until every member but the leader streams from it. A member that does not within
    /// <paramref name="patience"/> (the operation timeout if not given) is cloned afresh from the leader
    /// (<see cref="RebaseAsync"/>), as an operator would, and the wait begins again, twice at most. Patroni 3.0
    /// (Debian 12's) decides whether a former leader needs <c>pg_rewind</c> from <c>pg_stat_wal_receiver</c>'s
    /// timeline, which can be ahead of the timeline it replayed (fixed in Patroni 3.1.1): it then skips the rewind
    /// and the member stays stuck ("requested starting point is ahead of the WAL flush position"); so does a replica
    /// that had more WAL than the new leader when it took over. That is Patroni's to fix, not what a test of the
    /// access layer is about, and a test that starts here must not fail for the test before it.
    /// </summary>
    public async Task<MultiHostMember> WaitUntilPatroniHealthyAsync(TimeSpan? patience = null, CancellationToken cancellationToken = default)
    {
        // A host a failed test left powered off boots first: a member there could neither stream nor be cloned.
        foreach (var killed in _killedHosts.ToList())
        {
            await StartHostAsync(killed, cancellationToken);
        }

        const int rebases = 2;
        var rounds = new List<string>();
        for (var round = 0; ; round++)
        {
            try
            {
                return await WaitUntilEveryReplicaStreamsAsync(round == 0 ? patience ?? _options.OperationTimeout : _options.OperationTimeout * 2, cancellationToken);
            }
            catch (TimeoutException exception) when (round < rebases)
            {
                var leader = await WaitForLeaderAsync(cancellationToken: cancellationToken);
                var stuck = await NotStreamingAsync(leader, cancellationToken);
                rounds.Add($"round {round}: re-cloned {string.Join(", ", stuck.Select(member => member.Name))} ({exception.Message.Split('\n')[0]})");
                foreach (var member in stuck)
                {
                    await RebaseAsync(member, cancellationToken);
                }
            }
            catch (TimeoutException exception) when (rounds.Count > 0)
            {
                throw new TimeoutException($"{string.Join('\n', rounds)}\n{exception.Message}", exception);
            }
        }
    }

    private async Task<MultiHostMember> WaitUntilEveryReplicaStreamsAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var leader = await WaitForLeaderAsync(cancellationToken: cancellationToken);
        var names = Members.Where(member => member != leader).Select(member => member.Name).ToArray();
        long streaming = 0;
        await Wait.UntilAsync(
            async token =>
            {
                try
                {
                    streaming = await PgConnections.ScalarAsync<long>(
                        SocketConnectionString(leader),
                        "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name = ANY($1)",
                        [names],
                        token);
                }
                catch (Npgsql.NpgsqlException)
                {
                    // Its postgres restarting (a rejoin, a rewind): ask again.
                    return false;
                }

                return streaming == names.Length;
            },
            timeout,
            () => DescribeNotStreaming(leader, names, streaming),
            cancellationToken);
        return leader;
    }

    // What the leader sees of its replicas and slots, then the logs with the members that do not stream last: CI
    // keeps only the end of a failure's output.
    private string DescribeNotStreaming(MultiHostMember leader, string[] names, long streaming)
    {
        string replication;
        List<MultiHostMember> stuck;
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            replication = PgConnections.ScalarAsync<string>(
                SocketConnectionString(leader),
                """
                SELECT coalesce(string_agg(format('%s (pid %s from %s) %s sent %s replayed %s', application_name, pid, client_addr, state, sent_lsn, replay_lsn), '; '), 'no walsender')
                    || ' | slots: ' || (SELECT coalesce(string_agg(format('%s active %s (pid %s) restart %s', slot_name, active, active_pid, restart_lsn), '; '), 'none') FROM pg_replication_slots)
                FROM pg_stat_replication
                """,
                [],
                deadline.Token).GetAwaiter().GetResult() ?? string.Empty;
            stuck = NotStreamingAsync(leader, deadline.Token).GetAwaiter().GetResult();
        }
        catch (Exception exception)
        {
            // A failure's description must not fail: it would replace the timeout the caller re-clones on.
            replication = $"(could not ask {leader.Name}: {exception.Message})";
            stuck = [.. Members.Where(member => member != leader)];
        }

        var processes = string.Join("; ", stuck.Select(member => $"{member.Name}: {string.Join(", ", DataDirectoryProcesses.Find(member.DataDirectory).Select(pid => $"{pid} {string.Join(' ', ProcessCommandLine.Read(pid) ?? [])}"))}"));
        return $"only {streaming} of [{string.Join(", ", names)}] stream from {leader}; on {leader.Name}: {replication}\n"
            + DescribeLogs(Members.OrderBy(member => stuck.Contains(member)))
            + $"\n(not streaming from {leader.Name}: {string.Join(", ", stuck.Select(member => member.Name))}; processes on their data directories: {processes})";
    }

    /// <summary>
    /// <paramref name="member"/>'s host loses power: SIGKILL of Patroni first (alive, it would start postgres again),
    /// pgway and the etcd member, then the postmaster by the PID in its postmaster.pid (Patroni starts it in a
    /// session of its own, so it is not Patroni's descendant); and the link goes down, since a dead machine's
    /// kernel answers nothing (a namespace's would go on answering ARP for a VIP its killed pgway left behind).
    /// </summary>
    public async Task KillHostAsync(MultiHostMember member)
    {
        _killedHosts.Add(member);
        await Network.CutOffAsync(member.Host);
        if (_patronis.Remove(member, out var patroni))
        {
            patroni.Kill();
        }

        var postmaster = PostmasterProcess.ReadPidFile(Path.Combine(member.DataDirectory, "postmaster.pid"));
        await Network.KillHostProcessesAsync(member.Host);
        if (postmaster is { } pid && PostmasterProcess.IsPostmasterOf(pid, member.DataDirectory))
        {
            PostmasterProcess.KillTree(pid, member.DataDirectory);
            await Wait.UntilAsync(_ => Task.FromResult(!PostmasterProcess.IsAlive(pid)), _options.OperationTimeout, () => $"{member}'s postgres survived SIGKILL.", CancellationToken.None);
        }

        // And whatever else works on its data directory: a postmaster Patroni was starting, a pg_rewind.
        await DataDirectoryProcesses.KillAllAsync(member.DataDirectory, _options.OperationTimeout, CancellationToken.None);
    }

    /// <summary>
    /// Boots the host <see cref="KillHostAsync"/> killed: its interface keeps only its own address (a reboot forgets a
    /// VIP), the link comes up, then the etcd member, Patroni (which rejoins as a replica) and pgway start.
    /// </summary>
    public async Task StartHostAsync(MultiHostMember member, CancellationToken cancellationToken = default)
    {
        _killedHosts.Remove(member);
        var addresses = await TestNetwork.RunAsync(member.Host, "ip", ["-o", "-4", "addr", "show", "dev", NetworkHost.Interface], cancellationToken: cancellationToken);
        foreach (var match in System.Text.RegularExpressions.Regex.Matches(addresses.StandardOutput, @"inet (\S+)").Cast<System.Text.RegularExpressions.Match>())
        {
            if (!match.Groups[1].Value.StartsWith(member.Host.Address + "/", StringComparison.Ordinal))
            {
                await TestNetwork.RunAsync(member.Host, "ip", ["addr", "del", match.Groups[1].Value, "dev", NetworkHost.Interface], cancellationToken: cancellationToken);
            }
        }

        await Network.RestoreAsync(member.Host, cancellationToken);
        if (member.Seq <= _options.EtcdMembers)
        {
            StartEtcdMember(member);
            await WaitForEtcdAsync(cancellationToken);
        }

        PostmasterProcess.RemoveStaleLockFiles(member.DataDirectory, member.SocketDirectory, PostgresPort);
        StartPatroni(member);
        if (_options.ServeCommand is not null)
        {
            StartPgway(member);
        }
    }

    /// <summary>Runs <c>patronictl -c &lt;member's config&gt; <paramref name="arguments"/></c> in <paramref name="member"/>'s host.</summary>
    public static Task<CommandResult> PatronictlAsync(MultiHostMember member, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default) =>
        TestNetwork.RunAsync(member.Host, PatroniBinaries.Locate().Patronictl, ["-c", PatroniConfigPath(member), .. arguments], null, TimeSpan.FromSeconds(90), cancellationToken);

    private async Task BootstrapPatroniAsync(CancellationToken cancellationToken)
    {
        if (_options.EtcdMembers < 1)
        {
            throw new InvalidOperationException("A Patroni lab needs etcd: EtcdMembers must be at least 1.");
        }

        foreach (var member in Members)
        {
            PrepareMemberDirectory(member);
            await PatroniTestCluster.WriteConfigAsync(PatroniConfigPath(member), PatroniSpec(member), cancellationToken);
        }

        // Patroni runs initdb and postgres, which refuse root: the tree goes to the service user (etcd runs as root).
        await _runner.HandOverAsync(_directory.FullPath, cancellationToken);

        // Host 1 must win the race to initialise, so that the roles are known in advance: the others start once it
        // holds the initialize key, and then wait for its bootstrap to clone it.
        StartPatroni(Primary);
        CommandResult? initialize = null;
        await Wait.UntilAsync(
            async token => (initialize = await EtcdctlFromClientAsync(["get", "--print-value-only", $"{PatroniNamespace}/{ClusterName}/initialize"], token)).Succeeded
                && initialize.StandardOutput.Trim().Length > 0,
            _options.OperationTimeout,
            () => $"{Primary.Name} wrote no initialize key: {initialize?.Describe()}\n{DescribeLogs()}",
            cancellationToken);
        foreach (var member in Members.Skip(1))
        {
            StartPatroni(member);
        }

        await WaitForLeaderAsync(Primary, cancellationToken: cancellationToken);
        await using (var connection = await PgConnections.OpenAsync(SocketConnectionString(Primary), cancellationToken))
        {
            await PgTestUsers.CreateAsync(connection, Credentials, replicatorExists: true, cancellationToken);
        }

        // A first clone on a slow machine may take longer than a rejoin: not re-cloned before twice the timeout.
        await WaitUntilPatroniHealthyAsync(_options.OperationTimeout * 2, cancellationToken);
    }

    private PatroniConfigSpec PatroniSpec(MultiHostMember member) => new()
    {
        Scope = ClusterName,
        Namespace = PatroniNamespace,
        Name = member.Name,
        ConnectAddress = member.Host.Address.ToString(),

        // As Pigsty's pg_listen (0.0.0.0): postgres answers on the VIP too, for VIP:5432.
        ListenAddress = "0.0.0.0",
        EtcdHosts = PatroniEtcdHosts(member),
        EtcdHostsOnly = PatroniEtcdHosts(member).Count < EtcdEndpoints.Count,
        Ttl = _options.PatroniTtl,
        LoopWait = _options.PatroniLoopWait,
        RetryTimeout = _options.PatroniRetryTimeout,
        BinDirectory = _runner.Binaries.Directory,
        Directory = member.Directory,
        DataDirectory = member.DataDirectory,
        SocketDirectory = member.SocketDirectory,
        LogPath = member.PostgresLogPath,
        Credentials = Credentials,
        HbaRules = s_hbaRules,
    };

    /// <summary>
    /// The etcd members <paramref name="member"/>'s Patroni talks to (and only those: no discovery of the others from the
    /// member list): every one but its own host's, where there are two others. Patroni 3.0 (Debian 12's) reads etcd
    /// with serializable (possibly stale) reads, and when its lease has
    /// expired it writes the leader key with no comparison if the cluster it read names it leader. A leader cut off
    /// with an etcd member of its own reads that member's frozen view (it is still the leader) and, once the link is
    /// back and before the member has caught up, overwrites the new leader's key: two primaries, diverged timelines,
    /// and no replica streams again. Through the other hosts' members only, a cut-off Patroni reads nothing until the
    /// link is back, then the majority's view: it rejoins as a replica, as a real cut-off node with the etcd members
    /// on other machines does.
    /// </summary>
    private IReadOnlyList<string> PatroniEtcdHosts(MultiHostMember member)
    {
        var others = Members.Take(_options.EtcdMembers).Where(peer => peer != member).Select(peer => $"{peer.Host.Address}:{EtcdServer.ClientPort}").ToList();
        return others.Count >= 2 ? others : EtcdEndpoints;
    }

    private void StartPatroni(MultiHostMember member)
    {
        _patronis[member] = Network.Start(
            member.Host,
            "patroni",
            member.Directory,
            PatroniBinaries.Locate().Patroni,
            [PatroniConfigPath(member)],
            PatroniConfigPath(member),
            _runner.RunAsServiceUser ? PgCommandRunner.ServiceUser : null);
    }

    private static async Task<bool> IsWritableAsync(MultiHostMember member, CancellationToken cancellationToken)
    {
        try
        {
            return !await PgConnections.ScalarAsync<bool>(SocketConnectionString(member), "SELECT pg_is_in_recovery()", [], cancellationToken);
        }
        catch (Npgsql.NpgsqlException)
        {
            return false;
        }
    }

    /// <summary>Kills the postmasters Patroni left (they are no descendant of what the network started), and whatever else names a data directory. Never throws.</summary>
    private void KillOrphanedPostmasters()
    {
        foreach (var member in Members)
        {
            if (PostmasterProcess.ReadPidFile(Path.Combine(member.DataDirectory, "postmaster.pid")) is { } pid
                && PostmasterProcess.IsPostmasterOf(pid, member.DataDirectory))
            {
                PostmasterProcess.KillTree(pid, member.DataDirectory);
            }

            try
            {
                DataDirectoryProcesses.KillAllAsync(member.DataDirectory, TimeSpan.FromSeconds(10), CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (TimeoutException)
            {
                // Teardown goes on; the janitor of the next run finds what is left by the cluster directory's lock.
            }
        }
    }
}
