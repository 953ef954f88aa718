using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Npgsql;

namespace Pgway.Agent;

/// <summary>
/// Reads an instance's status by SQL, the facts Patroni's health answers rest on: recovery, WAL
/// positions, the WAL receiver, <c>pg_stat_replication</c>; and for a replica, the upstream's current
/// position and whether the upstream counts it as synchronous. Never throws for an unreachable
/// server: that is a status too, and a whole round is bounded by the configured timeout.
/// </summary>
internal sealed partial class InstanceStatusReader : IAsyncDisposable
{
    private const string LocalQuery = """
        SELECT pg_catalog.pg_is_in_recovery(),
               pg_catalog.current_setting('server_version_num')::int,
               pg_catalog.pg_postmaster_start_time(),
               (SELECT system_identifier::text FROM pg_catalog.pg_control_system()),
               CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
                    ELSE ('x' || pg_catalog.substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int END,
               CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
                    ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), '0/0')::bigint END,
               pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_replay_lsn(), '0/0')::bigint,
               pg_catalog.pg_wal_lsn_diff(COALESCE(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn()), '0/0')::bigint,
               pg_catalog.pg_last_xact_replay_timestamp(),
               CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_is_wal_replay_paused() ELSE false END,
               CASE WHEN pg_catalog.pg_is_in_recovery() THEN (SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()) END,
               pg_catalog.current_setting('cluster_name'),
               pg_catalog.current_setting('pgway.fenced', true)
        """;

    private const string WalReceiverQuery = """
        SELECT status, received_tli, pg_catalog.pg_wal_lsn_diff(latest_end_lsn, '0/0')::bigint, sender_host, sender_port, conninfo
        FROM pg_catalog.pg_stat_wal_receiver
        """;

    private const string ReplicationQuery = """
        SELECT usename::text, application_name, pg_catalog.host(client_addr), state, sync_state, sync_priority
        FROM pg_catalog.pg_stat_replication ORDER BY application_name, pid
        """;

    private const string UpstreamQuery = """
        SELECT CASE WHEN pg_catalog.pg_is_in_recovery()
                    THEN pg_catalog.pg_wal_lsn_diff(COALESCE(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn()), '0/0')
                    ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), '0/0') END::bigint,
               (SELECT sync_state FROM pg_catalog.pg_stat_replication WHERE application_name = $1 LIMIT 1),
               (SELECT count(*) FROM pg_catalog.pg_stat_replication WHERE application_name = $1)
        """;

    private readonly InstanceStatusReaderOptions options;
    private readonly TimeProvider time;
    private readonly NpgsqlDataSource local;
    private readonly NpgsqlDataSource fresh;
    private readonly ConcurrentDictionary<(string Host, int Port), NpgsqlDataSource> upstreams = new();
    private readonly Lock memoryGate = new();
    private long highestLeaderLocation;
    private SyncRole lastSyncRole;

    public InstanceStatusReader(InstanceStatusReaderOptions options, TimeProvider time)
    {
        this.options = options;
        this.time = time;
        local = NpgsqlDataSource.Create(Tune(new NpgsqlConnectionStringBuilder(options.ConnectionString), options.Timeout));
        fresh = CreateFreshSource(options);
    }

    /// <summary>One round of queries; a status (never an exception) for any server-side failure.</summary>
    public Task<InstanceStatus> ReadAsync(CancellationToken cancellationToken) => ReadAsync(options.Timeout, options.Timeout, cancellationToken);

    /// <summary>One round of queries: connecting bounded by <paramref name="connectTimeout"/>, the whole round by <paramref name="timeout"/>.</summary>
    public async Task<InstanceStatus> ReadAsync(TimeSpan connectTimeout, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var expiry = new CancellationTokenSource(timeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        var progress = new ReadProgress();
        // Bounded by its own timer, not the round's: its time-out is its answer, not the round's.
        var freshCheck = FreshCheckDue() ? CheckFreshAsync(connectTimeout < timeout ? connectTimeout : timeout, cancellationToken) : null;
        var reading = ReadLocalAsync(progress, connectTimeout, deadline.Token);
        try
        {
            // WaitAsync is the last line of defence: whatever a frozen server does to the driver,
            // the answer comes within the timeout.
            var status = await reading.WaitAsync(timeout, time, deadline.Token);
            if (freshCheck is not null && await freshCheck is { } refused)
            {
                return refused;
            }
            return Remember(status);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsServerFailure(e))
        {
            // A pooled connection may have died with a restart; the next round starts fresh.
            local.Clear();
            var timedOut = e is OperationCanceledException or TimeoutException || Find<TimeoutException>(e) is not null;
            var failure = timedOut
                ? progress.Connected ? StatusFailure.Timeout : StatusFailure.ConnectTimeout
                : Transport.LocalSocketErrors.Find(e) is not null ? StatusFailure.Local
                : Classify(e) == PostgresState.Stopped ? StatusFailure.Refused : StatusFailure.Other;
            return InstanceStatus.NotRunning(Classify(e), time.GetUtcNow(), Describe(e, progress.Connected ? timeout : connectTimeout), failure);
        }
        finally
        {
            // An abandoned read must stop holding its connection, and its failure must not go unobserved.
            await expiry.CancelAsync();
            _ = reading.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            _ = freshCheck?.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    // The reader's memory across rounds: the highest leader position seen, and the last sync role
    // the upstream reported, for rounds where the upstream cannot be asked.
    private InstanceStatus Remember(InstanceStatus status)
    {
        lock (memoryGate)
        {
            highestLeaderLocation = Math.Max(highestLeaderLocation, status.LeaderLocation);
            if (status.Role == NodeRole.Primary)
            {
                lastSyncRole = SyncRole.None;
                return status;
            }
            return status with { LastKnownLeaderLocation = highestLeaderLocation };
        }
    }

    private SyncRole LastSyncRole
    {
        get
        {
            lock (memoryGate)
            {
                return lastSyncRole;
            }
        }
        set
        {
            lock (memoryGate)
            {
                lastSyncRole = value;
            }
        }
    }

    private sealed class ReadProgress
    {
        public volatile bool Connected;
    }

    private async Task<InstanceStatus> ReadLocalAsync(ReadProgress progress, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection;
        using (var connectExpiry = new CancellationTokenSource(connectTimeout, time))
        using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connectExpiry.Token))
        {
            connection = await local.OpenConnectionAsync(connecting.Token);
        }
        progress.Connected = true;
        await using var _ = connection;
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands = { new(LocalQuery), new(WalReceiverQuery), new(ReplicationQuery) },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);

        await reader.ReadAsync(cancellationToken);
        var inRecovery = reader.GetBoolean(0);
        var serverVersion = reader.GetInt32(1);
        var startTime = reader.GetFieldValue<DateTimeOffset>(2);
        var systemId = reader.IsDBNull(3) ? null : reader.GetString(3);
        var primaryTimeline = reader.IsDBNull(4) ? (int?)null : reader.GetInt32(4);
        var walLocation = reader.IsDBNull(5) ? (long?)null : reader.GetInt64(5);
        var replayed = reader.IsDBNull(6) ? (long?)null : reader.GetInt64(6);
        var received = reader.IsDBNull(7) ? (long?)null : reader.GetInt64(7);
        var replayedAt = reader.IsDBNull(8) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(8);
        var paused = reader.GetBoolean(9);
        var checkpointTimeline = reader.IsDBNull(10) ? (int?)null : reader.GetInt32(10);
        var clusterName = reader.GetString(11);
        var fence = reader.IsDBNull(12) || reader.GetString(12).Length == 0 ? null : reader.GetString(12);

        await reader.NextResultAsync(cancellationToken);
        string? receiverStatus = null, senderHost = null, conninfo = null;
        int? receivedTimeline = null, senderPort = null;
        long? latestEnd = null;
        string? error = null;
        if (await reader.ReadAsync(cancellationToken))
        {
            // Without pg_read_all_stats the row is there but every column is NULL.
            error = reader.IsDBNull(0) ? "the monitoring user cannot read pg_stat_wal_receiver: grant it pg_monitor (pg_read_all_stats)" : null;
            receiverStatus = reader.IsDBNull(0) ? null : reader.GetString(0);
            receivedTimeline = reader.IsDBNull(1) ? null : reader.GetInt32(1);
            latestEnd = reader.IsDBNull(2) ? null : reader.GetInt64(2);
            senderHost = reader.IsDBNull(3) ? null : reader.GetString(3);
            senderPort = reader.IsDBNull(4) ? null : reader.GetInt32(4);
            conninfo = reader.IsDBNull(5) ? null : reader.GetString(5);
        }

        await reader.NextResultAsync(cancellationToken);
        var replication = ImmutableArray.CreateBuilder<ReplicationConnection>();
        while (await reader.ReadAsync(cancellationToken))
        {
            replication.Add(new ReplicationConnection(
                reader.IsDBNull(0) ? null : reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? 0 : reader.GetInt32(5)));
        }

        var status = new InstanceStatus(
            PostgresState.Running,
            !inRecovery ? NodeRole.Primary : options.IsStandbyLeader ? NodeRole.StandbyLeader : NodeRole.Replica,
            time.GetUtcNow(),
            ServerVersion: serverVersion,
            PostmasterStartTime: startTime,
            SystemIdentifier: systemId,
            Timeline: inRecovery ? receivedTimeline ?? checkpointTimeline : primaryTimeline,
            WalLocation: walLocation,
            ReceivedLocation: inRecovery ? received : null,
            ReplayedLocation: inRecovery ? replayed : null,
            ReplayedTimestamp: replayedAt,
            ReplayPaused: paused,
            LatestEndLocation: latestEnd,
            ReplicationState: !inRecovery ? null : receiverStatus == "streaming" ? "streaming" : "in archive recovery",
            Replication: replication.ToImmutable(),
            Error: error,
            Fence: fence);
        if (inRecovery && senderHost is not null && senderPort is not null)
        {
            var applicationName = ApplicationName(conninfo) ?? (clusterName.Length > 0 ? clusterName : "walreceiver");
            status = await WithUpstreamAsync(status, senderHost, senderPort.Value, applicationName, cancellationToken);
        }
        else if (inRecovery)
        {
            status = status with { SyncRole = LastSyncRole };
        }
        // Stamped when complete, so the cache's age counts from when the answer was known.
        return status with { CheckedAt = time.GetUtcNow() };
    }

    // The upstream says how far the leader is now and whether it waits for this replica's commits.
    // If it cannot be asked, the WAL receiver's last report still bounds the lag, as Patroni does
    // when its DCS is unreachable.
    private async Task<InstanceStatus> WithUpstreamAsync(
        InstanceStatus status, string host, int port, string applicationName, CancellationToken cancellationToken)
    {
        var source = upstreams.GetOrAdd((host, port), key =>
        {
            var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString) { Host = key.Host, Port = key.Port };
            return NpgsqlDataSource.Create(Tune(builder, options.Timeout));
        });
        // Half the round's time at most: a frozen upstream must not make this replica look unknown.
        var bound = options.Timeout / 2;
        using var upstreamExpiry = new CancellationTokenSource(bound, time);
        using var upstreamDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, upstreamExpiry.Token);
        try
        {
            var asked = await AskUpstreamAsync(source, status, applicationName, upstreamDeadline.Token).WaitAsync(bound, time, cancellationToken);
            LastSyncRole = asked.SyncRole;
            return asked;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsServerFailure(e))
        {
            source.Clear();
            return status with { SyncRole = LastSyncRole, Error = $"upstream {host}:{port} not asked: {Describe(e, bound)}" };
        }
    }

    private static async Task<InstanceStatus> AskUpstreamAsync(NpgsqlDataSource source, InstanceStatus status, string applicationName, CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(UpstreamQuery, connection) { Parameters = { new() { Value = applicationName } } };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var location = reader.IsDBNull(0) ? (long?)null : reader.GetInt64(0);
        var syncRole = (reader.IsDBNull(1) ? null : reader.GetString(1)) switch
        {
            "sync" => SyncRole.Sync,
            "quorum" => SyncRole.Quorum,
            _ => SyncRole.None,
        };
        if (reader.GetInt64(2) > 1)
        {
            // Every standby reporting the same name (say, a shared cluster_name) makes the answer a guess.
            return status with
            {
                UpstreamLocation = location,
                Error = $"several standbys connect to the upstream as '{applicationName}': set a distinct application_name in primary_conninfo to tell sync from async",
            };
        }
        return status with { UpstreamLocation = location, SyncRole = syncRole };
    }

    private static NpgsqlConnectionStringBuilder Tune(NpgsqlConnectionStringBuilder builder, TimeSpan timeout)
    {
        // One kept connection answers a burst of checks; a new backend per check is costly.
        builder.Pooling = true;
        builder.MaxPoolSize = 4;
        builder.ApplicationName ??= "pgway-agent";
        var seconds = (int)Math.Ceiling(Math.Max(1, timeout.TotalSeconds));
        builder.Timeout = seconds;
        builder.CommandTimeout = seconds;
        // A cancelled query breaks its connection at once instead of waiting for a server that may be frozen.
        builder.CancellationTimeout = -1;
        builder.Multiplexing = false;
        // Npgsql's default "prefer" tries GSS encryption first: that loads Kerberos, which can stall a
        // check for seconds (realm look-ups, here on a socket thread) and aborts the process at exit
        // (k5_mutex_lock). Pigsty's instances use passwords; an explicit "require" is kept.
        if (builder.GssEncryptionMode == GssEncryptionMode.Prefer)
        {
            builder.GssEncryptionMode = GssEncryptionMode.Disable;
        }
        return builder;
    }

    private static string? ApplicationName(string? conninfo)
    {
        if (conninfo is null)
        {
            return null;
        }
        var match = ApplicationNamePattern().Match(conninfo);
        return match.Success ? match.Groups["quoted"].Success ? match.Groups["quoted"].Value.Replace("\\'", "'", StringComparison.Ordinal) : match.Groups["plain"].Value : null;
    }

    private static bool IsServerFailure(Exception e) =>
        e is NpgsqlException or OperationCanceledException or TimeoutException or SocketException or IOException;

    private static PostgresState Classify(Exception e) => e switch
    {
        PostgresException { SqlState: "57P03" } => PostgresState.Starting,
        PostgresException { SqlState: "57P01" or "57P02" } => PostgresState.Stopped,
        _ when Find<SocketException>(e) is { SocketErrorCode: SocketError.ConnectionRefused or SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported } => PostgresState.Stopped,
        _ => PostgresState.Unknown,
    };

    private static string Describe(Exception e, TimeSpan timeout) => e switch
    {
        OperationCanceledException or TimeoutException => $"no answer within {timeout.TotalMilliseconds:0} ms",
        PostgresException p => $"{p.SqlState}: {p.MessageText}",
        _ when Find<SocketException>(e) is { } s => s.Message,
        _ => e.Message,
    };

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }
        return null;
    }

    [GeneratedRegex(@"(?:^|\s)application_name=(?:'(?<quoted>(?:[^'\\]|\\.)*)'|(?<plain>\S+))")]
    private static partial Regex ApplicationNamePattern();

    public async ValueTask DisposeAsync()
    {
        await local.DisposeAsync();
        await fresh.DisposeAsync();
        foreach (var source in upstreams.Values)
        {
            await source.DisposeAsync();
        }
    }
}
