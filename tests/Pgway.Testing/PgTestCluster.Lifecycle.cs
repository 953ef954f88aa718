namespace Pgway.Testing;

// Starting, stopping, killing and promoting instances, and steering WAL replay. Every helper returns
// once the server shows the new state, or throws with the instance's log tail after OperationTimeout.
internal sealed partial class PgTestCluster
{
    private static readonly TimeSpan s_disposeStepTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Starts <paramref name="instance"/> with <c>pg_ctl start -w</c> and remembers its postmaster PID. A no-op if it runs.</summary>
    public async Task StartAsync(PgInstance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (instance.Pid is { } running && PostmasterProcess.IsAlive(running))
        {
            return;
        }

        PostmasterProcess.RemoveStaleLockFiles(instance.DataDirectory, instance.SocketDirectory, Port);
        var result = await PgCtlAsync(instance, ["-l", instance.LogPath, "start"], OperationTimeout, cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(LogTail.Describe($"Starting {instance} failed: {result.Describe()}", instance.LogPath));
        }

        var pid = PostmasterProcess.ReadPidFile(instance.PidFilePath)
            ?? throw new InvalidOperationException(LogTail.Describe($"{instance} started but wrote no postmaster.pid.", instance.LogPath));
        ExitReaper.TrackPostmaster(pid, instance.DataDirectory);
        instance.Pid = pid;
    }

    /// <summary>Stops <paramref name="instance"/> with <c>pg_ctl stop -m fast -w</c> and returns once its PID is gone. A no-op if it is not running.</summary>
    public async Task StopAsync(PgInstance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (instance.Pid is not { } pid)
        {
            return;
        }

        var result = await PgCtlAsync(instance, ["-m", "fast", "stop"], OperationTimeout, cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(LogTail.Describe($"Stopping {instance} failed: {result.Describe()}", instance.LogPath));
        }

        // pg_ctl returns once postmaster.pid is gone, which the postmaster removes a moment before it exits.
        await Wait.UntilAsync(
            _ => Task.FromResult(!PostmasterProcess.IsAlive(pid)),
            OperationTimeout,
            () => LogTail.Describe($"{instance} (PID {pid}) still runs after pg_ctl stop.", instance.LogPath),
            cancellationToken);
        Forget(instance, pid);
    }

    /// <summary>
    /// SIGKILLs the postmaster of <paramref name="instance"/> and every process it forked, like a machine
    /// losing power, and returns once that PID is gone and the address no longer accepts TCP connections.
    /// A later <see cref="StartAsync"/> on the same instance runs crash recovery.
    /// </summary>
    public async Task KillAsync(PgInstance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var pid = instance.Pid ?? throw new InvalidOperationException($"{instance} is not running, so there is nothing to kill.");
        PostmasterProcess.KillTree(pid, instance.DataDirectory);
        await Wait.UntilAsync(
            async token => !PostmasterProcess.IsAlive(pid) && !await IsListeningAsync(instance, token),
            OperationTimeout,
            () => $"{instance} still runs (PID {pid} alive: {PostmasterProcess.IsAlive(pid)}) after SIGKILL.",
            cancellationToken);
        Forget(instance, pid);
    }

    /// <summary>
    /// Promotes the standby <paramref name="instance"/> (<c>pg_ctl promote -w</c>) and returns once
    /// <c>pg_is_in_recovery()</c> is false there. Other standbys keep following the old primary.
    /// </summary>
    public async Task PromoteAsync(PgInstance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        EnsureRunning(instance);
        var result = await PgCtlAsync(instance, ["promote"], OperationTimeout, cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(LogTail.Describe($"Promoting {instance} failed: {result.Describe()}", instance.LogPath));
        }

        await Wait.UntilAsync(
            async token => !await QueryScalarAsync<bool>(instance, "SELECT pg_is_in_recovery()", [], token),
            OperationTimeout,
            () => LogTail.Describe($"{instance} is still in recovery after promotion.", instance.LogPath),
            cancellationToken);
        instance.Upstream = null;
    }

    /// <summary>Pauses WAL replay on the standby <paramref name="instance"/> and returns once it reports 'paused'.</summary>
    public async Task PauseReplayAsync(PgInstance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        await QueryScalarAsync<object>(instance, "SELECT pg_wal_replay_pause()", [], cancellationToken);
        await WaitForReplayStateAsync(instance, "paused", cancellationToken);
    }

    /// <summary>Resumes WAL replay on the standby <paramref name="instance"/> and returns once it reports 'not paused'.</summary>
    public async Task ResumeReplayAsync(PgInstance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        await QueryScalarAsync<object>(instance, "SELECT pg_wal_replay_resume()", [], cancellationToken);
        await WaitForReplayStateAsync(instance, "not paused", cancellationToken);
    }

    /// <summary>
    /// Returns once the standby <paramref name="replica"/> has replayed everything its upstream had written
    /// when this was called, so a write committed before the call is then visible on the standby.
    /// </summary>
    public async Task WaitForCatchUpAsync(PgInstance replica, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(replica);
        var upstream = replica.Upstream
            ?? throw new InvalidOperationException($"{replica} is not a standby (it has no upstream), so there is nothing to catch up with.");

        await PgConnections.WaitForCatchUpAsync(
            ConnectionString(upstream),
            upstream.ToString(),
            ConnectionString(replica),
            OperationTimeout,
            (replayed, target) => LogTail.Describe($"{replica} replayed up to {replayed?.ToString() ?? "nothing"}, short of {upstream}'s {target} (is replay paused?).", replica.LogPath),
            cancellationToken);
    }

    /// <summary>Whether <paramref name="instance"/>'s address accepts TCP connections on port 5432 now.</summary>
    public static Task<bool> IsListeningAsync(PgInstance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return TcpProbe.IsListeningAsync(instance.Address, Port, cancellationToken);
    }

    private async Task WaitForReplayStateAsync(PgInstance instance, string expected, CancellationToken cancellationToken)
    {
        string? state = null;
        await Wait.UntilAsync(
            async token =>
            {
                state = await QueryScalarAsync<string>(instance, "SELECT pg_get_wal_replay_pause_state()", [], token);
                return state == expected;
            },
            OperationTimeout,
            () => $"{instance} replay state is '{state}', not '{expected}'.",
            cancellationToken);
    }

    /// <summary>Shuts an instance down for disposal: fast, then immediate, then SIGKILL. Never throws.</summary>
    private async Task ShutDownAsync(PgInstance instance)
    {
        // A start that failed half-way may have left a postmaster whose PID only postmaster.pid knows.
        var pid = instance.Pid ?? PostmasterProcess.ReadPidFile(instance.PidFilePath);
        if (pid is not { } postmaster || !PostmasterProcess.IsPostmasterOf(postmaster, instance.DataDirectory))
        {
            if (pid is { } stale)
            {
                Forget(instance, stale);
            }

            return;
        }

        foreach (var mode in new[] { "fast", "immediate" })
        {
            try
            {
                var result = await PgCtlAsync(instance, ["-m", mode, "stop"], s_disposeStepTimeout, CancellationToken.None);
                if (result.Succeeded)
                {
                    break;
                }
            }
            catch (Exception exception) when (exception is TimeoutException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Escalate to the next mode, and in the end to SIGKILL: disposal must not leave a server behind.
            }
        }

        if (PostmasterProcess.IsAlive(postmaster))
        {
            PostmasterProcess.KillTree(postmaster, instance.DataDirectory);
            try
            {
                await Wait.UntilAsync(_ => Task.FromResult(!PostmasterProcess.IsAlive(postmaster)), s_disposeStepTimeout, () => $"{instance} survived SIGKILL.", CancellationToken.None);
            }
            catch (TimeoutException)
            {
                // Nothing more can be done from here; the process-exit reaper will try once more.
                return;
            }
        }

        Forget(instance, postmaster);
    }

    private Task<CommandResult> PgCtlAsync(PgInstance instance, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken) =>
        _runner.PgCtlAsync(instance.DataDirectory, arguments, instance.Directory, timeout, cancellationToken);

    private static void EnsureRunning(PgInstance instance)
    {
        if (instance.Pid is null)
        {
            throw new InvalidOperationException($"{instance} is not running.");
        }
    }

    private static void Forget(PgInstance instance, int pid)
    {
        ExitReaper.ForgetPostmaster(pid);
        instance.Pid = null;
    }
}
