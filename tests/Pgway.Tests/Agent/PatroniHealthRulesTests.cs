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

    /// <summary>Method, path, and the endpoint (a name of <see cref="HealthEndpoint"/>) Patroni answers it with.</summary>
    public static TheoryData<string, string, string> Routes => new()
    {
        { "OPTIONS", "/", nameof(HealthEndpoint.Primary) },
        { "GET", "/", nameof(HealthEndpoint.Primary) },
        { "HEAD", "/", nameof(HealthEndpoint.Primary) },
        { "OPTIONS", "/primary", nameof(HealthEndpoint.Primary) },
        { "OPTIONS", "/master", nameof(HealthEndpoint.Primary) },
        { "OPTIONS", "/read-write", nameof(HealthEndpoint.Primary) },
        { "GET", "/primary", nameof(HealthEndpoint.Primary) },
        { "OPTIONS", "/leader", nameof(HealthEndpoint.Leader) },
        { "OPTIONS", "/standby-leader", nameof(HealthEndpoint.StandbyLeader) },
        { "OPTIONS", "/standby_leader", nameof(HealthEndpoint.StandbyLeader) },
        { "OPTIONS", "/replica", nameof(HealthEndpoint.Replica) },
        { "GET", "/replica", nameof(HealthEndpoint.Replica) },
        { "OPTIONS", "/read-only", nameof(HealthEndpoint.ReadOnly) },
        { "OPTIONS", "/read-only-sync", nameof(HealthEndpoint.ReadOnlySync) },
        { "OPTIONS", "/read-only-synchronous", nameof(HealthEndpoint.ReadOnlySync) },
        { "OPTIONS", "/read-only-quorum", nameof(HealthEndpoint.ReadOnlyQuorum) },
        { "OPTIONS", "/sync", nameof(HealthEndpoint.Sync) },
        { "OPTIONS", "/synchronous", nameof(HealthEndpoint.Sync) },
        { "OPTIONS", "/quorum", nameof(HealthEndpoint.Quorum) },
        { "OPTIONS", "/async", nameof(HealthEndpoint.Async) },
        { "OPTIONS", "/asynchronous", nameof(HealthEndpoint.Async) },
        { "OPTIONS", "/health", nameof(HealthEndpoint.Health) },
        { "HEAD", "/health", nameof(HealthEndpoint.Health) },
        // GET routes by the first segment to its own handlers; OPTIONS and HEAD never reach them.
        { "GET", "/liveness", nameof(HealthEndpoint.Liveness) },
        { "GET", "/liveness/x", nameof(HealthEndpoint.Liveness) },
        { "GET", "/readiness", nameof(HealthEndpoint.Readiness) },
        { "GET", "/patroni", nameof(HealthEndpoint.Status) },
        { "OPTIONS", "/liveness", nameof(HealthEndpoint.Unknown) },
        { "HEAD", "/liveness", nameof(HealthEndpoint.Unknown) },
        { "OPTIONS", "/readiness", nameof(HealthEndpoint.Unknown) },
        { "HEAD", "/readiness", nameof(HealthEndpoint.Unknown) },
        { "OPTIONS", "/patroni", nameof(HealthEndpoint.Unknown) },
        { "GET", "/x/liveness", nameof(HealthEndpoint.Unknown) },
        // Substring matching, in Patroni's order.
        { "OPTIONS", "/foo/replica", nameof(HealthEndpoint.Replica) },
        { "OPTIONS", "/replicas", nameof(HealthEndpoint.Replica) },
        { "OPTIONS", "/primary-replica", nameof(HealthEndpoint.Primary) },
        { "OPTIONS", "/replica/leader", nameof(HealthEndpoint.Leader) },
        { "OPTIONS", "/leader/standby-leader", nameof(HealthEndpoint.StandbyLeader) },
        { "OPTIONS", "/healthz", nameof(HealthEndpoint.Health) },
        { "OPTIONS", "/read-only/health", nameof(HealthEndpoint.ReadOnly) },
        { "OPTIONS", "/health/read-only-sync", nameof(HealthEndpoint.Health) },
        // The sync, quorum and async family match exactly.
        { "OPTIONS", "/sync/x", nameof(HealthEndpoint.Unknown) },
        { "OPTIONS", "/x/async", nameof(HealthEndpoint.Unknown) },
        { "OPTIONS", "/quorum/", nameof(HealthEndpoint.Unknown) },
        { "OPTIONS", "/read-only-sync-x", nameof(HealthEndpoint.Unknown) },
        // Unknown paths; matching is case-sensitive.
        { "OPTIONS", "/foo", nameof(HealthEndpoint.Unknown) },
        { "OPTIONS", "/standby", nameof(HealthEndpoint.Unknown) },
        { "OPTIONS", "/Primary", nameof(HealthEndpoint.Unknown) },
        { "GET", "/cluster", nameof(HealthEndpoint.Unknown) },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public void Route_MethodAndPath_PatronisEndpoint(string method, string path, string expected)
    {
        Assert.Equal(Enum.Parse<HealthEndpoint>(expected), PatroniHealthRules.Route(method, path));
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

    /// <summary>Per situation, the endpoints that pass (names of <see cref="HealthEndpoint"/>, in its order).</summary>
    public static TheoryData<string, string> Passing => new()
    {
        { "primary", "Primary Leader ReadOnly Health ReadOnlySync ReadOnlyQuorum Liveness Readiness Status" },
        // noloadbalance takes a replica out of rotation, never the primary.
        { "primary, noloadbalance", "Primary Leader ReadOnly Health ReadOnlySync ReadOnlyQuorum Liveness Readiness Status" },
        { "async replica", "Replica ReadOnly Health Async Liveness Readiness Status" },
        // Without lag= there is no limit; readiness applies the 1 MB failover limit.
        { "replica 2MB behind", "Replica ReadOnly Health Async Liveness Status" },
        { "replica, noloadbalance", "Health Liveness Readiness Status" },
        { "sync replica", "Replica ReadOnly Health Sync ReadOnlySync Liveness Readiness Status" },
        { "quorum replica", "Replica ReadOnly Health Quorum ReadOnlyQuorum Liveness Readiness Status" },
        { "replica in archive recovery", "Replica ReadOnly Health Async Liveness Status" },
        { "replica, leader unknown", "Replica ReadOnly Health Async Liveness Status" },
        { "standby leader", "Leader StandbyLeader ReadOnly Health ReadOnlySync ReadOnlyQuorum Liveness Readiness Status" },
        // The old primary after a switchover without Patroni: running, and nothing else to anyone.
        { "fenced primary", "Health Liveness Status" },
        // A fence only matters while the instance is not in recovery: a replica is a replica.
        { "replica rebuilt with a fence left", "Replica ReadOnly Health Async Liveness Readiness Status" },
        { "stopped", "Liveness Status" },
        { "starting", "Liveness Status" },
        { "primary, status unknown", "Liveness Status" },
    };

    [Theory]
    [MemberData(nameof(Passing))]
    public void Decide_SituationWithoutQuery_ExactlyTheseEndpointsPass(string situation, string expected)
    {
        var (status, tags) = Situations[situation];

        var passing = Questions.Where(q => PatroniHealthRules.Decide(q, HealthQuery.Empty, status, tags));

        Assert.Equal(expected.Split(' ').Select(Enum.Parse<HealthEndpoint>), passing);
    }

    // ---- Decide: query parameters ---------------------------------------------------------------

    public static TheoryData<string, string, string, bool> WithQuery => new()
    {
        // lag=: replay position against the leader's; equal to the limit is not lagging.
        { "replica 2MB behind", nameof(HealthEndpoint.Replica), "lag=1MB", false },
        { "replica 2MB behind", nameof(HealthEndpoint.Replica), "lag=2MB", true },
        { "replica 2MB behind", nameof(HealthEndpoint.Replica), "lag=2097151", false },
        { "replica 2MB behind", nameof(HealthEndpoint.Replica), "lag=4MB", true },
        { "replica 2MB behind", nameof(HealthEndpoint.Replica), "lag=1mb", true },     // unparseable: no limit
        { "replica 2MB behind", nameof(HealthEndpoint.ReadOnly), "lag=1MB", false },
        { "replica 2MB behind", nameof(HealthEndpoint.Async), "lag=1MB", false },
        { "replica 2MB behind", nameof(HealthEndpoint.Health), "lag=1MB", true },      // /health ignores lag
        { "async replica", nameof(HealthEndpoint.Replica), "lag=0", true },
        { "async replica", nameof(HealthEndpoint.Replica), "lag=-1", false },
        { "replica, leader unknown", nameof(HealthEndpoint.Replica), "lag=-1", true },  // leader position 0: never lagging
        { "primary", nameof(HealthEndpoint.ReadOnly), "lag=-1", true },                // the primary never lags
        // replication_state=
        { "async replica", nameof(HealthEndpoint.Replica), "replication_state=streaming", true },
        { "replica in archive recovery", nameof(HealthEndpoint.Replica), "replication_state=streaming", false },
        { "replica in archive recovery", nameof(HealthEndpoint.ReadOnly), "replication_state=streaming", false },
        { "replica in archive recovery", nameof(HealthEndpoint.Replica), "replication_state=in+archive+recovery", true },
        { "primary", nameof(HealthEndpoint.ReadOnly), "replication_state=streaming", true },
        // Conditions combine: each must hold.
        { "sync replica", nameof(HealthEndpoint.Sync), "lag=1MB&replication_state=streaming", true },
        { "replica 2MB behind", nameof(HealthEndpoint.Sync), "lag=4MB", false },
    };

    [Theory]
    [MemberData(nameof(WithQuery))]
    public void Decide_SituationWithQuery_PatronisAnswer(string situation, string endpoint, string query, bool expected)
    {
        var (status, tags) = Situations[situation];

        Assert.Equal(expected, PatroniHealthRules.Decide(Enum.Parse<HealthEndpoint>(endpoint), HealthQuery.Parse(query), status, tags));
    }

    /// <summary>tag_&lt;key&gt;= compares with the tag's text, booleans and numbers in lower case; a missing tag fails.</summary>
    public static TheoryData<string, string, string, bool> TagConditions => new()
    {
        // endpoint, the replica's tags, query, passes
        { nameof(HealthEndpoint.Replica), """{"nofailover": true}""", "tag_nofailover=true", true },
        { nameof(HealthEndpoint.Replica), """{"nofailover": true}""", "tag_nofailover=True", false },
        { nameof(HealthEndpoint.Replica), """{"nofailover": false}""", "tag_nofailover=false", true },
        { nameof(HealthEndpoint.Replica), """{"nofailover": false}""", "tag_nofailover=true", false },
        { nameof(HealthEndpoint.Replica), """{"zone": "East"}""", "tag_zone=East", true },
        { nameof(HealthEndpoint.Replica), """{"zone": "East"}""", "tag_zone=east", false },
        { nameof(HealthEndpoint.Replica), """{"zone": "us east"}""", "tag_zone=us+east", true },
        { nameof(HealthEndpoint.Replica), """{"priority": 10}""", "tag_priority=10", true },
        { nameof(HealthEndpoint.Replica), """{"zone": "a", "rack": "1"}""", "tag_zone=a&tag_rack=1", true },
        { nameof(HealthEndpoint.Replica), """{"zone": "a", "rack": "1"}""", "tag_zone=a&tag_rack=2", false },
        { nameof(HealthEndpoint.Replica), """{"zone": "a"}""", "tag_zone=a&tag_x=y", false },
        { nameof(HealthEndpoint.Replica), "{}", "tag_x=y", false },
        { nameof(HealthEndpoint.Replica), """{"x": null}""", "tag_x=null", false },
        { nameof(HealthEndpoint.ReadOnly), "{}", "tag_x=y", false },
        { nameof(HealthEndpoint.Health), "{}", "tag_x=y", false },
        { nameof(HealthEndpoint.Async), "{}", "tag_x=y", false },
        // A tag only narrows: a failing answer stays failing.
        { nameof(HealthEndpoint.Sync), """{"zone": "a"}""", "tag_zone=a", false },
        // Questions answered without looking at tags.
        { nameof(HealthEndpoint.Liveness), "{}", "tag_x=y", true },
        { nameof(HealthEndpoint.Readiness), "{}", "tag_x=y", true },
        { nameof(HealthEndpoint.Status), "{}", "tag_x=y", true },
    };

    [Theory]
    [MemberData(nameof(TagConditions))]
    public void Decide_TagConditionsOnReplica_AllMustMatch(string endpoint, string tags, string query, bool expected)
    {
        Assert.Equal(expected, PatroniHealthRules.Decide(Enum.Parse<HealthEndpoint>(endpoint), HealthQuery.Parse(query), Replica(), Tags(tags)));
    }

    public static TheoryData<string, string, bool> LeadershipIgnoresTags => new()
    {
        { "primary", nameof(HealthEndpoint.Primary), true },
        { "primary", nameof(HealthEndpoint.Leader), true },
        { "primary", nameof(HealthEndpoint.ReadOnly), false },
        { "primary", nameof(HealthEndpoint.ReadOnlySync), false },
        { "primary", nameof(HealthEndpoint.Health), false },
        { "standby leader", nameof(HealthEndpoint.StandbyLeader), true },
        { "standby leader", nameof(HealthEndpoint.Leader), true },
        { "standby leader", nameof(HealthEndpoint.ReadOnly), false },
    };

    [Theory]
    [MemberData(nameof(LeadershipIgnoresTags))]
    public void Decide_LeaderWithMissingTagAsked_OnlyLeadershipQuestionsIgnoreTags(string situation, string endpoint, bool expected)
    {
        var (status, tags) = Situations[situation];

        Assert.Equal(expected, PatroniHealthRules.Decide(Enum.Parse<HealthEndpoint>(endpoint), HealthQuery.Parse("tag_dc=west"), status, tags));
    }

    // ---- Readiness and liveness -----------------------------------------------------------------

    /// <summary>Each situation by name (the case name xUnit shows): the status, the query, and whether it is ready.</summary>
    private static readonly Dictionary<string, (InstanceStatus Status, string? Query, bool Ready)> ReadinessCases = new()
    {
        ["primary"] = (Primary(), null, true),
        ["standby leader"] = (Situations["standby leader"].Status, null, true),
        ["stopped primary"] = (Primary(PostgresState.Stopped), null, false),
        ["starting replica"] = (new InstanceStatus(PostgresState.Starting, NodeRole.Replica, Now), null, false),
        ["caught up"] = (Replica(), null, true),
        ["exactly the 1 MB default behind"] = (Replica(behind: OneMegabyte), null, true),
        ["a byte past the default"] = (Replica(behind: OneMegabyte + 1), null, false),
        ["2 MB behind"] = (Replica(behind: 2 * OneMegabyte), null, false),
        ["2 MB behind, lag=2MB"] = (Replica(behind: 2 * OneMegabyte), "lag=2MB", true),
        ["caught up, lag=0"] = (Replica(), "lag=0", true),
        ["1 kB behind, lag=512B"] = (Replica(behind: 1024), "lag=512B", false),
        ["2 MB behind, lag unparseable"] = (Replica(behind: 2 * OneMegabyte), "lag=lots", false),
        // mode=write measures from the received position instead of the replayed one.
        ["received all, replayed 2 MB less"] = (Replica(behind: 2 * OneMegabyte, received: At + 2 * OneMegabyte), null, false),
        ["received all, mode=write"] = (Replica(behind: 2 * OneMegabyte, received: At + 2 * OneMegabyte), "mode=write", true),
        ["received all, mode=apply"] = (Replica(behind: 2 * OneMegabyte, received: At + 2 * OneMegabyte), "mode=apply", false),
        ["received 2 MB less, mode=write"] = (Replica(behind: 2 * OneMegabyte, received: At), "mode=write", false),
        // Streaming is required, and some knowledge of the leader's position.
        ["archive recovery, caught up"] = (Replica(replicationState: "in archive recovery"), null, false),
        ["no replication state"] = (Replica(replicationState: null), null, false),
        ["leader position unknown"] = (Replica(leaderKnown: false), null, false),
        ["only latest_end_lsn known"] = (Replica() with { UpstreamLocation = null }, null, true),
        ["only the upstream known"] = (Replica() with { LatestEndLocation = null }, null, true),
        // Readiness is about failover: tag conditions do not apply.
        ["tag conditions ignored"] = (Replica(), "tag_x=y", true),
    };

    public static TheoryData<string> Readiness => new(ReadinessCases.Keys);

    [Theory]
    [MemberData(nameof(Readiness))]
    public void Decide_Readiness_LeaderOrStreamingWithinLag(string situation)
    {
        var (status, query, expected) = ReadinessCases[situation];

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
