using System.Net;
using System.Text.Json.Nodes;

namespace Pgway.Testing;

// Starting and killing nodes, switching the leader over, and shutting everything down. Processes are only
// ever signalled by PID after checking their command line: Patroni by its config file, postgres by its data directory.
internal sealed partial class PatroniTestCluster
{
    private static readonly TimeSpan s_stopGracePeriod = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan s_killTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// SIGKILLs <paramref name="node"/>'s Patroni and then its postgres (postmaster and children), like a machine
    /// losing power, and returns once both are gone and port 5432 refuses. The leader lock stays in etcd until
    /// <c>ttl</c> runs out; then another node is promoted (see <see cref="WaitForLeaderAsync"/>).
    /// </summary>
    public async Task KillNodeAsync(PatroniNode node, CancellationToken cancellationToken = default)
    {
        var patroni = Own(node).Patroni is { IsRunning: true } running
            ? running
            : throw new InvalidOperationException($"{node}'s Patroni is not running, so there is nothing to kill.");

        // Patroni first: alive, it would start postgres again.
        patroni.Kill();
        int? postmaster = null;
        await Wait.UntilAsync(
            async token =>
            {
                if (node.PostmasterPid is { } pid)
                {
                    postmaster = pid;
                    PostmasterProcess.KillTree(pid, node.DataDirectory);
                    return false;
                }

                return !patroni.IsRunning && !await TcpProbe.IsListeningAsync(node.Address, PgPort, token);
            },
            OperationTimeout,
            () => DescribeFailure(
                $"{node} still runs after SIGKILL (Patroni PID {patroni.Pid} alive: {patroni.IsRunning}, postmaster PID {postmaster?.ToString() ?? "unknown"} alive: {postmaster is { } pid && PostmasterProcess.IsAlive(pid)})."),
            cancellationToken);
        node.Patroni = null;
        patroni.Dispose();
    }

    /// <summary>
    /// Starts <paramref name="node"/>'s Patroni again (a no-op if it runs) and returns once its postgres runs
    /// (<c>GET /health</c> answers 200). After a kill it rejoins as a replica, by pg_rewind if needed; call
    /// <see cref="WaitUntilHealthyAsync"/> to wait until it streams.
    /// </summary>
    public async Task StartNodeAsync(PatroniNode node, CancellationToken cancellationToken = default)
    {
        if (Own(node).PatroniPid is not null)
        {
            return;
        }

        PostmasterProcess.RemoveStaleLockFiles(node.DataDirectory, node.SocketDirectory, PgPort);
        StartPatroni(node);
        PatroniApiResponse? health = null;
        await Wait.UntilAsync(
            async token =>
            {
                ThrowIfAnyPatroniDied();
                health = await TryQueryAsync(node, "/health", token);
                return health?.StatusCode == HttpStatusCode.OK;
            },
            OperationTimeout,
            () => DescribeFailure($"{node} did not get its postgres running; /health answered {health?.ToString() ?? "nothing"}."),
            cancellationToken);
    }

    /// <summary>
    /// Switches the leadership over to <paramref name="candidate"/> (<c>POST /switchover</c> on the current leader,
    /// as <c>patronictl switchover --force</c> does) and returns once the candidate alone answers <c>/primary</c> with
    /// 200 and every other running node streams from it again.
    /// </summary>
    public async Task SwitchoverAsync(PatroniNode candidate, CancellationToken cancellationToken = default)
    {
        var leader = await WaitForLeaderAsync(cancellationToken: cancellationToken);
        if (leader == Own(candidate))
        {
            throw new InvalidOperationException($"{candidate.Name} already leads {Name}.");
        }

        // Patroni answers once the new leader holds the lock, polling for up to 20 s.
        var answer = await PostAsync(
            leader,
            "/switchover",
            new JsonObject { ["leader"] = leader.Name, ["candidate"] = candidate.Name },
            OperationTimeout,
            cancellationToken);
        if (answer.StatusCode != HttpStatusCode.OK || !answer.Body.StartsWith("Successfully", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(DescribeFailure($"Switchover from {leader.Name} to {candidate.Name} failed: {answer}"));
        }

        await WaitForLeaderAsync(candidate, cancellationToken: cancellationToken);
        await WaitUntilHealthyAsync(cancellationToken);
    }

    /// <summary>
    /// Runs <c>patronictl -c &lt;config of <paramref name="node"/> (default node 1)&gt;</c> with <paramref name="arguments"/>,
    /// e.g. <c>["list"]</c> or <c>["switchover", "--leader", "pg-test-1", "--candidate", "pg-test-2", "--force"]</c>.
    /// </summary>
    public Task<CommandResult> PatronictlAsync(IReadOnlyList<string> arguments, PatroniNode? node = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var configPath = PatroniConfigPath(node ?? _nodes[0]);
        return PgCommandRunner.RunAsync(_programs.Patronictl, ["-c", configPath, .. arguments], RootDirectory, null, OperationTimeout, cancellationToken);
    }

    private void StartPatroni(PatroniNode node)
    {
        node.Patroni?.Dispose();
        node.Patroni = DaemonProcess.Start(new DaemonCommand(
            _programs.Patroni,
            [node.ConfigPath],
            node.ConfigPath,
            node.Directory,
            node.PatroniLogPath,
            node.PatroniPidFilePath)
        {
            UserName = _runner.RunAsServiceUser ? PgCommandRunner.ServiceUser : null,
        });
        ExitReaper.Track(ReaperKey(node), () => KillEverything(node));
    }

    /// <summary>Shuts a node down for disposal: SIGTERM, then SIGKILL, then whatever postgres is left. Never throws.</summary>
    private async Task ShutDownNodeAsync(PatroniNode node)
    {
        if (node.Patroni is { } patroni)
        {
            // On SIGTERM Patroni stops its postgres (fast) and, on the leader, releases the leader lock.
            await patroni.StopAsync(s_stopGracePeriod);
        }

        if (node.PostmasterPid is { } postmaster)
        {
            PostmasterProcess.KillTree(postmaster, node.DataDirectory);
            try
            {
                await Wait.UntilAsync(_ => Task.FromResult(!PostmasterProcess.IsAlive(postmaster)), s_killTimeout, () => $"{node}'s postgres survived SIGKILL.", CancellationToken.None);
            }
            catch (TimeoutException)
            {
                // Nothing more can be done from here; the process-exit reaper will try once more.
                return;
            }
        }

        if (node.Patroni is not { IsRunning: true })
        {
            ExitReaper.Forget(ReaperKey(node));
            node.Patroni?.Dispose();
            node.Patroni = null;
        }
    }

    /// <summary>For the exit reaper: Patroni first, so it cannot restart postgres, then postgres.</summary>
    private static void KillEverything(PatroniNode node)
    {
        node.Patroni?.Kill();
        if (node.PostmasterPid is { } postmaster)
        {
            PostmasterProcess.KillTree(postmaster, node.DataDirectory);
        }
    }

    private static string ReaperKey(PatroniNode node) => $"patroni {node.ConfigPath}";

    /// <summary>Nodes whose Patroni the harness started and has not killed.</summary>
    private List<PatroniNode> RunningNodes() => _nodes.Where(node => node.Patroni is not null).ToList();

    /// <summary>Fails a wait at once, with the logs, when a Patroni the harness did not kill has exited.</summary>
    private void ThrowIfAnyPatroniDied()
    {
        if (_nodes.Find(node => node.Patroni is { IsRunning: false }) is { } dead)
        {
            throw new InvalidOperationException(DescribeFailure($"{dead}'s Patroni (PID {dead.Patroni!.Pid}) exited on its own with code {dead.Patroni.ExitCode}."));
        }
    }

    private PatroniNode Own(PatroniNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return _nodes.Contains(node) ? node : throw new ArgumentException($"{node} is not a node of {Name}.", nameof(node));
    }
}
