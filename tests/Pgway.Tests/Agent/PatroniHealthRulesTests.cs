using Newtonsoft.Json.Linq;
using Pgway.Agent;

namespace Pgway.Tests.Agent;

public class PatroniHealthRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A WAL position well away from zero, which means "leader position unknown".</summary>
    private const long At = 0x5000000;

    private const long OneMegabyte = 1024 * 1024;

    // ---- Route ----------------------------------------------------------------------------------

    public static TheoryData<string, string, HealthEndpoint> Routes => new()
    {
        { "OPTIONS", "/", HealthEndpoint.Primary },
        { "GET", "/", HealthEndpoint.Primary },
        { "HEAD", "/", HealthEndpoint.Primary },
        { "OPTIONS", "/primary", HealthEndpoint.Primary },
        { "OPTIONS", "/master", HealthEndpoint.Primary },
        { "OPTIONS", "/read-write", HealthEndpoint.Primary },
        { "GET", "/primary", HealthEndpoint.Primary },
        { "OPTIONS", "/leader", HealthEndpoint.Leader },
        { "OPTIONS", "/standby-leader", HealthEndpoint.StandbyLeader },
        { "OPTIONS", "/standby_leader", HealthEndpoint.StandbyLeader },
        { "OPTIONS", "/replica", HealthEndpoint.Replica },
        { "GET", "/replica", HealthEndpoint.Replica },
        { "OPTIONS", "/read-only", HealthEndpoint.ReadOnly },
        { "OPTIONS", "/read-only-sync", HealthEndpoint.ReadOnlySync },
        { "OPTIONS", "/read-only-synchronous", HealthEndpoint.ReadOnlySync },
        { "OPTIONS", "/read-only-quorum", HealthEndpoint.ReadOnlyQuorum },
        { "OPTIONS", "/sync", HealthEndpoint.Sync },
        { "OPTIONS", "/synchronous", HealthEndpoint.Sync },
        { "OPTIONS", "/quorum", HealthEndpoint.Quorum },
        { "OPTIONS", "/async", HealthEndpoint.Async },
        { "OPTIONS", "/asynchronous", HealthEndpoint.Async },
        { "OPTIONS", "/health", HealthEndpoint.Health },
        { "HEAD", "/health", HealthEndpoint.Health },
        // GET routes by the first segment to its own handlers; OPTIONS and HEAD never reach them.
        { "GET", "/liveness", HealthEndpoint.Liveness },
        { "GET", "/liveness/x", HealthEndpoint.Liveness },
        { "GET", "/readiness", HealthEndpoint.Readiness },
        { "GET", "/patroni", HealthEndpoint.Status },
        { "OPTIONS", "/liveness", HealthEndpoint.Unknown },
        { "HEAD", "/liveness", HealthEndpoint.Unknown },
        { "OPTIONS", "/readiness", HealthEndpoint.Unknown },
        { "HEAD", "/readiness", HealthEndpoint.Unknown },
        { "OPTIONS", "/patroni", HealthEndpoint.Unknown },
        { "GET", "/x/liveness", HealthEndpoint.Unknown },
        // Substring matching, in Patroni's order.
        { "OPTIONS", "/foo/replica", HealthEndpoint.Replica },
        { "OPTIONS", "/replicas", HealthEndpoint.Replica },
        { "OPTIONS", "/primary-replica", HealthEndpoint.Primary },
        { "OPTIONS", "/replica/leader", HealthEndpoint.Leader },
        { "OPTIONS", "/leader/standby-leader", HealthEndpoint.StandbyLeader },
        { "OPTIONS", "/healthz", HealthEndpoint.Health },
        { "OPTIONS", "/read-only/health", HealthEndpoint.ReadOnly },
        { "OPTIONS", "/health/read-only-sync", HealthEndpoint.Health },
        // The sync, quorum and async family match exactly.
        { "OPTIONS", "/sync/x", HealthEndpoint.Unknown },
        { "OPTIONS", "/x/async", HealthEndpoint.Unknown },
        { "OPTIONS", "/quorum/", HealthEndpoint.Unknown },
        { "OPTIONS", "/read-only-sync-x", HealthEndpoint.Unknown },
        // Unknown paths; matching is case-sensitive.
        { "OPTIONS", "/foo", HealthEndpoint.Unknown },
        { "OPTIONS", "/standby", HealthEndpoint.Unknown },
        { "OPTIONS", "/Primary", HealthEndpoint.Unknown },
        { "GET", "/cluster", HealthEndpoint.Unknown },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public void Route_MethodAndPath_PatronisEndpoint(string method, string path, HealthEndpoint expected)
    {
        Assert.Equal(expected, PatroniHealthRules.Route(method, path));
    }

    // ---- Decide: situations ---------------------------------------------------------------------

    private static InstanceStatus Primary(PostgresState state = PostgresState.Running) =>
        new(state, NodeRole.Primary, Now, ServerVersion: 170002, Timeline: 2, WalLocation: At);

    /// <summary>A replica that replayed up to <see cref="At"/>, whose leader is <paramref name="behind"/> bytes further.</summary>
    private static InstanceStatus Replica(
        long behind = 0, SyncRole sync = SyncRole.None, string? replicationState = "streaming", long? received = At, bool leaderKnown = true) =>
        new(PostgresState.Running, NodeRole.Replica, Now, ServerVersion: 170002, Timeline: 2,
            ReceivedLocation: received, ReplayedLocation: At,
            LatestEndLocation: leaderKnown ? At + behind : null, UpstreamLocation: leaderKnown ? At + behind : null,
            ReplicationState: replicationState, SyncRole: sync);

    private static NodeTags Tags(string json) => NodeTags.From(JObject.Parse(json));

    private static readonly Dictionary<string, (InstanceStatus Status, NodeTags Tags)> Situations = new()
    {
        ["primary"] = (Primary(), NodeTags.None),
        ["primary, noloadbalance"] = (Primary(), Tags("""{"noloadbalance": true}""")),
        ["async replica"] = (Replica(), NodeTags.None),
        ["replica 2MB behind"] = (Replica(behind: 2 * OneMegabyte), NodeTags.None),
        ["replica, noloadbalance"] = (Replica(), Tags("""{"noloadbalance": true}""")),
        ["sync replica"] = (Replica(sync: SyncRole.Sync), NodeTags.None),
        ["quorum replica"] = (Replica(sync: SyncRole.Quorum), NodeTags.None),
        ["replica in archive recovery"] = (Replica(replicationState: "in archive recovery"), NodeTags.None),
        ["replica, leader unknown"] = (Replica(leaderKnown: false), NodeTags.None),
        ["standby leader"] = (new InstanceStatus(PostgresState.Running, NodeRole.StandbyLeader, Now, Timeline: 2,
            ReceivedLocation: At, ReplayedLocation: At, LatestEndLocation: At, ReplicationState: "streaming"), NodeTags.None),
        ["stopped"] = (InstanceStatus.NotRunning(PostgresState.Stopped, Now, "connection refused"), NodeTags.None),
        ["starting"] = (InstanceStatus.NotRunning(PostgresState.Starting, Now, "the database system is starting up"), NodeTags.None),
        ["primary, status unknown"] = (Primary(PostgresState.Unknown), NodeTags.None),
        ["fenced primary"] = (Primary() with { Fence = "switched over by pgway" }, NodeTags.None),
        ["replica rebuilt with a fence left"] = (Replica() with { Fence = "switched over by pgway" }, NodeTags.None),
    };

    private static readonly HealthEndpoint[] Questions = Enum.GetValues<HealthEndpoint>();

    public static TheoryData<string, HealthEndpoint[]> Passing => new()
    {
        { "primary", [HealthEndpoint.Primary, HealthEndpoint.Leader, HealthEndpoint.ReadOnly, HealthEndpoint.Health,
            HealthEndpoint.ReadOnlySync, HealthEndpoint.ReadOnlyQuorum, HealthEndpoint.Liveness, HealthEndpoint.Readiness, HealthEndpoint.Status] },
        // noloadbalance takes a replica out of rotation, never the primary.
        { "primary, noloadbalance", [HealthEndpoint.Primary, HealthEndpoint.Leader, HealthEndpoint.ReadOnly, HealthEndpoint.Health,
            HealthEndpoint.ReadOnlySync, HealthEndpoint.ReadOnlyQuorum, HealthEndpoint.Liveness, HealthEndpoint.Readiness, HealthEndpoint.Status] },
        { "async replica", [HealthEndpoint.Replica, HealthEndpoint.ReadOnly, HealthEndpoint.Health, HealthEndpoint.Async,
            HealthEndpoint.Liveness, HealthEndpoint.Readiness, HealthEndpoint.Status] },
        // Without lag= there is no limit; readiness applies the 1 MB failover limit.
        { "replica 2MB behind", [HealthEndpoint.Replica, HealthEndpoint.ReadOnly, HealthEndpoint.Health, HealthEndpoint.Async,
            HealthEndpoint.Liveness, HealthEndpoint.Status] },
        { "replica, noloadbalance", [HealthEndpoint.Health, HealthEndpoint.Liveness, HealthEndpoint.Readiness, HealthEndpoint.Status] },
        { "sync replica", [HealthEndpoint.Replica, HealthEndpoint.ReadOnly, HealthEndpoint.Health, HealthEndpoint.Sync,
            HealthEndpoint.ReadOnlySync, HealthEndpoint.Liveness, HealthEndpoint.Readiness, HealthEndpoint.Status] },
        { "quorum replica", [HealthEndpoint.Replica, HealthEndpoint.ReadOnly, HealthEndpoint.Health, HealthEndpoint.Quorum,
            HealthEndpoint.ReadOnlyQuorum, HealthEndpoint.Liveness, HealthEndpoint.Readiness, HealthEndpoint.Status] },
        { "replica in archive recovery", [HealthEndpoint.Replica, HealthEndpoint.ReadOnly, HealthEndpoint.Health, HealthEndpoint.Async,
            HealthEndpoint.Liveness, HealthEndpoint.Status] },
        { "replica, leader unknown", [HealthEndpoint.Replica, HealthEndpoint.ReadOnly, HealthEndpoint.Health, HealthEndpoint.Async,
            HealthEndpoint.Liveness, HealthEndpoint.Status] },
        { "standby leader", [HealthEndpoint.Leader, HealthEndpoint.StandbyLeader, HealthEndpoint.ReadOnly, HealthEndpoint.Health,
            HealthEndpoint.ReadOnlySync, HealthEndpoint.ReadOnlyQuorum, HealthEndpoint.Liveness, HealthEndpoint.Readiness, HealthEndpoint.Status] },
        // The old primary after a switchover without Patroni: running, and nothing else to anyone.
        { "fenced primary", [HealthEndpoint.Health, HealthEndpoint.Liveness, HealthEndpoint.Status] },
        // A fence only matters while the instance is not in recovery: a replica is a replica.
        { "replica rebuilt with a fence left", [HealthEndpoint.Replica, HealthEndpoint.ReadOnly, HealthEndpoint.Health, HealthEndpoint.Async,
            HealthEndpoint.Liveness, HealthEndpoint.Readiness, HealthEndpoint.Status] },
        { "stopped", [HealthEndpoint.Liveness, HealthEndpoint.Status] },
        { "starting", [HealthEndpoint.Liveness, HealthEndpoint.Status] },
        { "primary, status unknown", [HealthEndpoint.Liveness, HealthEndpoint.Status] },
    };

    [Theory]
    [MemberData(nameof(Passing))]
    public void Decide_SituationWithoutQuery_ExactlyTheseEndpointsPass(string situation, HealthEndpoint[] expected)
    {
        var (status, tags) = Situations[situation];

        var passing = Questions.Where(q => PatroniHealthRules.Decide(q, HealthQuery.Empty, status, tags));

        Assert.Equal(expected, passing);
    }

    // ---- Decide: query parameters ---------------------------------------------------------------

    public static TheoryData<string, HealthEndpoint, string, bool> WithQuery => new()
    {
        // lag=: replay position against the leader's; equal to the limit is not lagging.
        { "replica 2MB behind", HealthEndpoint.Replica, "lag=1MB", false },
        { "replica 2MB behind", HealthEndpoint.Replica, "lag=2MB", true },
        { "replica 2MB behind", HealthEndpoint.Replica, "lag=2097151", false },
        { "replica 2MB behind", HealthEndpoint.Replica, "lag=4MB", true },
        { "replica 2MB behind", HealthEndpoint.Replica, "lag=1mb", true },     // unparseable: no limit
        { "replica 2MB behind", HealthEndpoint.ReadOnly, "lag=1MB", false },
        { "replica 2MB behind", HealthEndpoint.Async, "lag=1MB", false },
        { "replica 2MB behind", HealthEndpoint.Health, "lag=1MB", true },      // /health ignores lag
        { "async replica", HealthEndpoint.Replica, "lag=0", true },
        { "async replica", HealthEndpoint.Replica, "lag=-1", false },
        { "replica, leader unknown", HealthEndpoint.Replica, "lag=-1", true },  // leader position 0: never lagging
        { "primary", HealthEndpoint.ReadOnly, "lag=-1", true },                // the primary never lags
        // replication_state=
        { "async replica", HealthEndpoint.Replica, "replication_state=streaming", true },
        { "replica in archive recovery", HealthEndpoint.Replica, "replication_state=streaming", false },
        { "replica in archive recovery", HealthEndpoint.ReadOnly, "replication_state=streaming", false },
        { "replica in archive recovery", HealthEndpoint.Replica, "replication_state=in+archive+recovery", true },
        { "primary", HealthEndpoint.ReadOnly, "replication_state=streaming", true },
        // Conditions combine: each must hold.
        { "sync replica", HealthEndpoint.Sync, "lag=1MB&replication_state=streaming", true },
        { "replica 2MB behind", HealthEndpoint.Sync, "lag=4MB", false },
    };

    [Theory]
    [MemberData(nameof(WithQuery))]
    public void Decide_SituationWithQuery_PatronisAnswer(string situation, HealthEndpoint endpoint, string query, bool expected)
    {
        var (status, tags) = Situations[situation];

        Assert.Equal(expected, PatroniHealthRules.Decide(endpoint, HealthQuery.Parse(query), status, tags));
    }

    /// <summary>tag_&lt;key&gt;= compares with the tag's text, booleans and numbers in lower case; a missing tag fails.</summary>
    public static TheoryData<HealthEndpoint, string, string, bool> TagConditions => new()
    {
        // endpoint, the replica's tags, query, passes
        { HealthEndpoint.Replica, """{"nofailover": true}""", "tag_nofailover=true", true },
        { HealthEndpoint.Replica, """{"nofailover": true}""", "tag_nofailover=True", false },
        { HealthEndpoint.Replica, """{"nofailover": false}""", "tag_nofailover=false", true },
        { HealthEndpoint.Replica, """{"nofailover": false}""", "tag_nofailover=true", false },
        { HealthEndpoint.Replica, """{"zone": "East"}""", "tag_zone=East", true },
        { HealthEndpoint.Replica, """{"zone": "East"}""", "tag_zone=east", false },
        { HealthEndpoint.Replica, """{"zone": "us east"}""", "tag_zone=us+east", true },
        { HealthEndpoint.Replica, """{"priority": 10}""", "tag_priority=10", true },
        { HealthEndpoint.Replica, """{"zone": "a", "rack": "1"}""", "tag_zone=a&tag_rack=1", true },
        { HealthEndpoint.Replica, """{"zone": "a", "rack": "1"}""", "tag_zone=a&tag_rack=2", false },
        { HealthEndpoint.Replica, """{"zone": "a"}""", "tag_zone=a&tag_x=y", false },
        { HealthEndpoint.Replica, "{}", "tag_x=y", false },
        { HealthEndpoint.Replica, """{"x": null}""", "tag_x=null", false },
        { HealthEndpoint.ReadOnly, "{}", "tag_x=y", false },
        { HealthEndpoint.Health, "{}", "tag_x=y", false },
        { HealthEndpoint.Async, "{}", "tag_x=y", false },
        // A tag only narrows: a failing answer stays failing.
        { HealthEndpoint.Sync, """{"zone": "a"}""", "tag_zone=a", false },
        // Questions answered without looking at tags.
        { HealthEndpoint.Liveness, "{}", "tag_x=y", true },
        { HealthEndpoint.Readiness, "{}", "tag_x=y", true },
        { HealthEndpoint.Status, "{}", "tag_x=y", true },
    };

    [Theory]
    [MemberData(nameof(TagConditions))]
    public void Decide_TagConditionsOnReplica_AllMustMatch(HealthEndpoint endpoint, string tags, string query, bool expected)
    {
        Assert.Equal(expected, PatroniHealthRules.Decide(endpoint, HealthQuery.Parse(query), Replica(), Tags(tags)));
    }

    public static TheoryData<string, HealthEndpoint, bool> LeadershipIgnoresTags => new()
    {
        { "primary", HealthEndpoint.Primary, true },
        { "primary", HealthEndpoint.Leader, true },
        { "primary", HealthEndpoint.ReadOnly, false },
        { "primary", HealthEndpoint.ReadOnlySync, false },
        { "primary", HealthEndpoint.Health, false },
        { "standby leader", HealthEndpoint.StandbyLeader, true },
        { "standby leader", HealthEndpoint.Leader, true },
        { "standby leader", HealthEndpoint.ReadOnly, false },
    };

    [Theory]
    [MemberData(nameof(LeadershipIgnoresTags))]
    public void Decide_LeaderWithMissingTagAsked_OnlyLeadershipQuestionsIgnoreTags(string situation, HealthEndpoint endpoint, bool expected)
    {
        var (status, tags) = Situations[situation];

        Assert.Equal(expected, PatroniHealthRules.Decide(endpoint, HealthQuery.Parse("tag_dc=west"), status, tags));
    }

    // ---- Readiness and liveness -----------------------------------------------------------------

    public static TheoryData<string, InstanceStatus, string?, bool> Readiness => new()
    {
        { "primary", Primary(), null, true },
        { "standby leader", Situations["standby leader"].Status, null, true },
        { "stopped primary", Primary(PostgresState.Stopped), null, false },
        { "starting replica", new InstanceStatus(PostgresState.Starting, NodeRole.Replica, Now), null, false },
        { "caught up", Replica(), null, true },
        { "exactly the 1 MB default behind", Replica(behind: OneMegabyte), null, true },
        { "a byte past the default", Replica(behind: OneMegabyte + 1), null, false },
        { "2 MB behind", Replica(behind: 2 * OneMegabyte), null, false },
        { "2 MB behind, lag=2MB", Replica(behind: 2 * OneMegabyte), "lag=2MB", true },
        { "caught up, lag=0", Replica(), "lag=0", true },
        { "1 kB behind, lag=512B", Replica(behind: 1024), "lag=512B", false },
        { "2 MB behind, lag unparseable", Replica(behind: 2 * OneMegabyte), "lag=lots", false },
        // mode=write measures from the received position instead of the replayed one.
        { "received all, replayed 2 MB less", Replica(behind: 2 * OneMegabyte, received: At + 2 * OneMegabyte), null, false },
        { "received all, mode=write", Replica(behind: 2 * OneMegabyte, received: At + 2 * OneMegabyte), "mode=write", true },
        { "received all, mode=apply", Replica(behind: 2 * OneMegabyte, received: At + 2 * OneMegabyte), "mode=apply", false },
        { "received 2 MB less, mode=write", Replica(behind: 2 * OneMegabyte, received: At), "mode=write", false },
        // Streaming is required, and some knowledge of the leader's position.
        { "archive recovery, caught up", Replica(replicationState: "in archive recovery"), null, false },
        { "no replication state", Replica(replicationState: null), null, false },
        { "leader position unknown", Replica(leaderKnown: false), null, false },
        { "only latest_end_lsn known", Replica() with { UpstreamLocation = null }, null, true },
        { "only the upstream known", Replica() with { LatestEndLocation = null }, null, true },
        // Readiness is about failover: tag conditions do not apply.
        { "tag conditions ignored", Replica(), "tag_x=y", true },
    };

    [Theory]
    [MemberData(nameof(Readiness))]
    public void Decide_Readiness_LeaderOrStreamingWithinLag(string situation, InstanceStatus status, string? query, bool expected)
    {
        var ready = PatroniHealthRules.Decide(HealthEndpoint.Readiness, HealthQuery.Parse(query), status, NodeTags.None);

        Assert.True(ready == expected, $"{situation}: expected {(expected ? "ready" : "not ready")}");
    }

    [Fact]
    public void Decide_ReadinessOfNoLoadBalanceReplica_Ready()
    {
        Assert.True(PatroniHealthRules.Decide(HealthEndpoint.Readiness, HealthQuery.Empty, Replica(), Tags("""{"noloadbalance": true}""")));
    }

    [Theory]
    [InlineData("primary")]
    [InlineData("async replica")]
    [InlineData("stopped")]
    [InlineData("starting")]
    [InlineData("primary, status unknown")]
    public void Decide_Liveness_AlwaysPasses(string situation)
    {
        var (status, tags) = Situations[situation];

        Assert.True(PatroniHealthRules.Decide(HealthEndpoint.Liveness, HealthQuery.Parse("lag=-1&tag_x=y&replication_state=x"), status, tags));
    }

    [Theory]
    [InlineData(0, 1L, false)]
    [InlineData(OneMegabyte, OneMegabyte, false)]
    [InlineData(OneMegabyte + 1, OneMegabyte, true)]
    [InlineData(1, null, false)]
    [InlineData(1, long.MaxValue, false)]
    [InlineData(0, long.MinValue, true)]
    public void IsLagging_LeaderAheadOfReplay_ComparedWithLimit(long behind, long? maxLag, bool expected)
    {
        Assert.Equal(expected, PatroniHealthRules.IsLagging(Replica(behind: behind), maxLag));
    }
}
