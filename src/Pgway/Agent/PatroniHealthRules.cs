namespace Pgway.Agent;

/// <summary>
/// Patroni's health-check decisions (its REST API's <c>do_GET</c>), as pure functions of the path,
/// the query and the instance's status, so that pgway's agent, its native <c>postgres</c> check and
/// the tests all make exactly the same call. Where Patroni consults its DCS, pgway asks PostgreSQL:
/// the leader is the instance that is not in recovery (or the configured standby leader), a
/// synchronous standby is one the upstream's <c>pg_stat_replication</c> lists as <c>sync</c>.
/// </summary>
internal static class PatroniHealthRules
{
    /// <summary>Patroni's default <c>maximum_lag_on_failover</c>, which <c>/readiness</c> uses without <c>lag=</c>.</summary>
    public const long DefaultReadinessMaxLag = 1024 * 1024;

    /// <summary>
    /// Which question a request asks. Patroni routes GET by the first path segment to its own
    /// handlers (<c>/liveness</c>, <c>/readiness</c>, <c>/patroni</c>); everything else, and every
    /// HEAD and OPTIONS, goes through substring matching in a fixed order.
    /// </summary>
    public static HealthEndpoint Route(string method, string path)
    {
        if (string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase))
        {
            var segment = path.TrimStart('/').Split('/')[0];
            switch (segment)
            {
                case "liveness": return HealthEndpoint.Liveness;
                case "readiness": return HealthEndpoint.Readiness;
                case "patroni": return HealthEndpoint.Status;
            }
        }
        if (path == "/")
        {
            return HealthEndpoint.Primary;
        }
        if (Has(path, "standby_leader") || Has(path, "standby-leader"))
        {
            return HealthEndpoint.StandbyLeader;
        }
        if (Has(path, "leader"))
        {
            return HealthEndpoint.Leader;
        }
        if (Has(path, "master") || Has(path, "primary") || Has(path, "read-write"))
        {
            return HealthEndpoint.Primary;
        }
        if (Has(path, "replica"))
        {
            return HealthEndpoint.Replica;
        }
        if (Has(path, "read-only") && !Has(path, "sync") && !Has(path, "quorum"))
        {
            return HealthEndpoint.ReadOnly;
        }
        if (Has(path, "health"))
        {
            return HealthEndpoint.Health;
        }
        return path switch
        {
            "/sync" or "/synchronous" => HealthEndpoint.Sync,
            "/quorum" => HealthEndpoint.Quorum,
            "/async" or "/asynchronous" => HealthEndpoint.Async,
            "/read-only-quorum" => HealthEndpoint.ReadOnlyQuorum,
            "/read-only-sync" or "/read-only-synchronous" => HealthEndpoint.ReadOnlySync,
            _ => HealthEndpoint.Unknown,
        };
    }

    /// <summary>True for 200, false for 503.</summary>
    public static bool Decide(HealthEndpoint endpoint, HealthQuery query, InstanceStatus status, NodeTags tags)
    {
        switch (endpoint)
        {
            case HealthEndpoint.Liveness:
            case HealthEndpoint.Status:
                return true;
            case HealthEndpoint.Readiness:
                return IsReady(query, status);
            case HealthEndpoint.Unknown:
                return false;
        }

        var running = status.State == PostgresState.Running;
        // A fenced primary (the old one after a switchover without Patroni) is nobody's primary and
        // serves no reads: only "is it running" is answered for it.
        var primary = running && status.Role == NodeRole.Primary && !status.IsFencedPrimary;
        var standbyLeader = running && status.Role == NodeRole.StandbyLeader;
        var replica = running && status.Role == NodeRole.Replica && !tags.NoLoadBalance
            && !IsLagging(status, query.MaxLag) && MatchesReplicationState(status, query.ReplicationState);
        var sync = status.SyncRole == SyncRole.Sync;
        var quorum = status.SyncRole == SyncRole.Quorum;

        var passed = endpoint switch
        {
            HealthEndpoint.Primary => primary,
            HealthEndpoint.Leader => primary || standbyLeader,
            HealthEndpoint.StandbyLeader => standbyLeader,
            HealthEndpoint.Replica => replica,
            HealthEndpoint.ReadOnly => primary || standbyLeader || replica,
            HealthEndpoint.Health => running,
            HealthEndpoint.Sync => sync && replica,
            HealthEndpoint.Quorum => quorum && replica,
            HealthEndpoint.Async => !sync && !quorum && replica,
            HealthEndpoint.ReadOnlySync => primary || standbyLeader || (sync && replica),
            HealthEndpoint.ReadOnlyQuorum => primary || standbyLeader || (quorum && replica),
            _ => false,
        };
        // Leadership answers ignore tags in Patroni; every other 200 must match the tags asked for.
        var tagsApply = endpoint is not (HealthEndpoint.Primary or HealthEndpoint.Leader or HealthEndpoint.StandbyLeader);
        return passed && (!tagsApply || MatchesTags(query, tags));
    }

    /// <summary>Patroni's lag rule: lagging when the leader's position is past replay by more than the limit.</summary>
    public static bool IsLagging(InstanceStatus status, long? maxLag)
    {
        var leader = status.LeaderLocation;
        if (leader == 0 || maxLag is null)
        {
            return false;
        }
        // Int128: a limit near long.MaxValue must not overflow into "lagging".
        return (Int128)leader > (Int128)(status.ReplayedLocation ?? 0) + maxLag.Value;
    }

    private static bool MatchesReplicationState(InstanceStatus status, string? wanted) =>
        wanted is null || string.Equals(status.ReplicationState, wanted, StringComparison.Ordinal);

    private static bool MatchesTags(HealthQuery query, NodeTags tags)
    {
        foreach (var (key, wanted) in query.TagConditions)
        {
            if (tags.ComparableValue(key) is not { } actual || !string.Equals(actual, wanted, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    // Patroni 4's readiness: a leader is ready; a replica when streaming and within the failover lag.
    private static bool IsReady(HealthQuery query, InstanceStatus status)
    {
        if (status.State != PostgresState.Running)
        {
            return false;
        }
        if (status.Role is NodeRole.Primary or NodeRole.StandbyLeader)
        {
            return !status.IsFencedPrimary;
        }
        if (status.ReplicationState != "streaming" || status.LeaderLocation == 0)
        {
            return false;
        }
        var position = query.Values.GetValueOrDefault("mode") == "write" ? status.ReceivedLocation : status.ReplayedLocation;
        var maxLag = query.MaxLag ?? DefaultReadinessMaxLag;
        return (Int128)status.LeaderLocation - (position ?? 0) <= maxLag;
    }

    private static bool Has(string path, string part) => path.Contains(part, StringComparison.Ordinal);
}
