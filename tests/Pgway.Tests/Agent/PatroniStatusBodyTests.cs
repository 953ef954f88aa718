using System.Buffers;
using System.Text.Json;
using Newtonsoft.Json.Linq;
using Pgway.Agent;

namespace Pgway.Tests.Agent;

/// <summary>The GET body, read back as a client of Patroni's REST API reads it.</summary>
public class PatroniStatusBodyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static readonly PatroniStatusBody.Identity Identity = new("pg-test", "pg-test-1", "pgway 1.2.3");

    private static JsonElement Write(InstanceStatus status, NodeTags? tags = null)
    {
        var output = new ArrayBufferWriter<byte>();
        PatroniStatusBody.Write(output, status, tags ?? NodeTags.None, Identity);
        using var document = JsonDocument.Parse(output.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static string[] Names(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    private static InstanceStatus Primary() => new(
        PostgresState.Running, NodeRole.Primary, Now,
        ServerVersion: 170002,
        PostmasterStartTime: new DateTimeOffset(2026, 11, 23, 10, 15, 42, TimeSpan.Zero).AddTicks(1_234_560),
        SystemIdentifier: "7440000000000000001",
        Timeline: 3,
        WalLocation: 83886176,
        Replication:
        [
            new ReplicationConnection("replicator", "pg-test-2", "10.10.10.12", "streaming", "sync", 1),
            new ReplicationConnection("replicator", "pg-test-3", null, "catchup", "async", 0),
        ]);

    private static InstanceStatus Replica(SyncRole sync = SyncRole.None) => new(
        PostgresState.Running, NodeRole.Replica, Now,
        ServerVersion: 170002,
        Timeline: 3,
        ReceivedLocation: 83886200,
        ReplayedLocation: 83886176,
        ReplicationState: "streaming",
        SyncRole: sync);

    [Fact]
    public void Write_Primary_PatronisFieldsAndShapes()
    {
        var body = Write(Primary());

        Assert.Equal("running", body.GetProperty("state").GetString());
        Assert.Equal("primary", body.GetProperty("role").GetString());
        Assert.Equal("2026-11-23 10:15:42.123456+00:00", body.GetProperty("postmaster_start_time").GetString());
        Assert.Equal(170002, body.GetProperty("server_version").GetInt32());
        Assert.Equal(3, body.GetProperty("timeline").GetInt32());
        Assert.Equal("7440000000000000001", body.GetProperty("database_system_identifier").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("dcs_last_seen").ValueKind);

        var xlog = body.GetProperty("xlog");
        Assert.Equal(["location"], Names(xlog));
        Assert.Equal(83886176, xlog.GetProperty("location").GetInt64());

        var patroni = body.GetProperty("patroni");
        Assert.Equal(["name", "scope", "version"], Names(patroni));
        Assert.Equal(("pgway 1.2.3", "pg-test", "pg-test-1"),
            (patroni.GetProperty("version").GetString(), patroni.GetProperty("scope").GetString(), patroni.GetProperty("name").GetString()));

        // Replica-only and optional fields stay out.
        foreach (var absent in new[] { "tags", "replication_state", "sync_standby", "quorum_standby", "error" })
        {
            Assert.False(body.TryGetProperty(absent, out _), absent);
        }
    }

    [Fact]
    public void Write_PrimaryWithReplicas_ReplicationRowsWithSixFields()
    {
        var replication = Write(Primary()).GetProperty("replication");

        Assert.Equal(2, replication.GetArrayLength());
        var first = replication[0];
        Assert.Equal(["application_name", "client_addr", "state", "sync_priority", "sync_state", "usename"], Names(first));
        Assert.Equal(("replicator", "pg-test-2", "10.10.10.12", "streaming", "sync", 1), (
            first.GetProperty("usename").GetString(), first.GetProperty("application_name").GetString(),
            first.GetProperty("client_addr").GetString(), first.GetProperty("state").GetString(),
            first.GetProperty("sync_state").GetString(), first.GetProperty("sync_priority").GetInt32()));
        var second = replication[1];
        Assert.Equal(JsonValueKind.Null, second.GetProperty("client_addr").ValueKind);
        Assert.Equal(("pg-test-3", "catchup", "async", 0), (
            second.GetProperty("application_name").GetString(), second.GetProperty("state").GetString(),
            second.GetProperty("sync_state").GetString(), second.GetProperty("sync_priority").GetInt32()));
    }

    [Fact]
    public void Write_NoReplicationConnections_NoReplicationField()
    {
        var body = Write(Primary() with { Replication = [] });
        var defaulted = Write(Replica());

        Assert.False(body.TryGetProperty("replication", out _));
        Assert.False(defaulted.TryGetProperty("replication", out _));
    }

    [Fact]
    public void Write_WithTags_TagsAsConfigured()
    {
        var tags = NodeTags.From(JObject.Parse("""{ "nofailover": true, "zone": "East", "priority": 10 }"""));

        var written = Write(Primary(), tags).GetProperty("tags");

        Assert.Equal(["nofailover", "priority", "zone"], Names(written));
        Assert.Equal(JsonValueKind.True, written.GetProperty("nofailover").ValueKind);
        Assert.Equal("East", written.GetProperty("zone").GetString());
        Assert.Equal(10, written.GetProperty("priority").GetInt32());
    }

    [Fact]
    public void Write_Replica_XlogPositionsReplicationStateAndNoSyncFlag()
    {
        var body = Write(Replica());

        Assert.Equal("replica", body.GetProperty("role").GetString());
        Assert.Equal("streaming", body.GetProperty("replication_state").GetString());
        Assert.False(body.TryGetProperty("sync_standby", out _));
        Assert.False(body.TryGetProperty("postmaster_start_time", out _));
        Assert.False(body.TryGetProperty("database_system_identifier", out _));
        var xlog = body.GetProperty("xlog");
        Assert.Equal(["paused", "received_location", "replayed_location", "replayed_timestamp"], Names(xlog));
        Assert.Equal(83886200, xlog.GetProperty("received_location").GetInt64());
        Assert.Equal(83886176, xlog.GetProperty("replayed_location").GetInt64());
        Assert.Equal(JsonValueKind.Null, xlog.GetProperty("replayed_timestamp").ValueKind);
        Assert.Equal(JsonValueKind.False, xlog.GetProperty("paused").ValueKind);
    }

    [Fact]
    public void Write_ReplicaReplayedAtAndPaused_UtcTimestampInPythonsFormat()
    {
        var replayedAt = new DateTimeOffset(2026, 11, 23, 13, 5, 7, TimeSpan.FromHours(2)).AddTicks(10);

        var xlog = Write(Replica() with { ReplayedTimestamp = replayedAt, ReplayPaused = true }).GetProperty("xlog");

        Assert.Equal("2026-11-23 11:05:07.000001+00:00", xlog.GetProperty("replayed_timestamp").GetString());
        Assert.Equal(JsonValueKind.True, xlog.GetProperty("paused").ValueKind);
    }

    [Fact]
    public void Write_ReplicaWithNothingReceived_ReceivedIsReplayed()
    {
        var xlog = Write(Replica() with { ReceivedLocation = null }).GetProperty("xlog");

        Assert.Equal(83886176, xlog.GetProperty("received_location").GetInt64());
    }

    [Theory]
    [InlineData(nameof(SyncRole.None), false, false)]
    [InlineData(nameof(SyncRole.Sync), true, false)]
    [InlineData(nameof(SyncRole.Quorum), false, true)]
    public void Write_ReplicaSyncRole_SyncStandbyOnlyForSync(string role, bool syncStandby, bool quorumStandby)
    {
        var body = Write(Replica(Enum.Parse<SyncRole>(role)));

        Assert.Equal(syncStandby, body.TryGetProperty("sync_standby", out var sync) && sync.GetBoolean());
        Assert.Equal(quorumStandby, body.TryGetProperty("quorum_standby", out var quorum) && quorum.GetBoolean());
    }

    [Fact]
    public void Write_StandbyLeader_RoleStandbyLeaderWithReplicaXlog()
    {
        var body = Write(Replica() with { Role = NodeRole.StandbyLeader });

        Assert.Equal("standby_leader", body.GetProperty("role").GetString());
        Assert.True(body.GetProperty("xlog").TryGetProperty("replayed_location", out _));
    }

    [Fact]
    public void Write_Stopped_StateErrorAndNoPostgresFields()
    {
        var body = Write(InstanceStatus.NotRunning(PostgresState.Stopped, Now, "connection refused"));

        Assert.Equal("stopped", body.GetProperty("state").GetString());
        Assert.Equal("connection refused", body.GetProperty("error").GetString());
        Assert.Equal("uninitialized", body.GetProperty("role").GetString());
        Assert.Equal(["dcs_last_seen", "error", "patroni", "role", "state"], Names(body));
    }

    [Theory]
    [InlineData(nameof(PostgresState.Starting), "starting")]
    [InlineData(nameof(PostgresState.Unknown), "unknown")]
    public void Write_NotRunning_StateNamedAsPatroni(string state, string expected)
    {
        var body = Write(InstanceStatus.NotRunning(Enum.Parse<PostgresState>(state), Now, "no answer"));

        Assert.Equal(expected, body.GetProperty("state").GetString());
        Assert.False(body.TryGetProperty("xlog", out _));
    }
}
