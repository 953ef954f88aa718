using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Newtonsoft.Json.Linq;

namespace Pgway.Agent;

/// <summary>
/// The JSON body of a GET health request, with Patroni's field names and shapes, so dashboards
/// and scripts that read Patroni's answer read pgway's agent unchanged.
/// </summary>
internal static class PatroniStatusBody
{
    /// <summary>The agent's identity in the body's <c>patroni</c> object.</summary>
    public sealed record Identity(string Scope, string Name, string Version);

    public static void Write(IBufferWriter<byte> output, InstanceStatus status, NodeTags tags, Identity identity)
    {
        // Relaxed escaping writes "+00:00" as Patroni does, not "\u002B00:00".
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteString("state", StateName(status.State));
        if (status.PostmasterStartTime is { } started)
        {
            json.WriteString("postmaster_start_time", PythonTimestamp(started));
        }
        json.WriteString("role", RoleName(status.Role));
        if (status.IsFencedPrimary)
        {
            // Not Patroni's: why this primary is no primary to anyone (see docs/switchover.md).
            json.WriteString("pgway_fenced", status.Fence);
        }
        if (status.State == PostgresState.Running)
        {
            WriteRunning(json, status);
        }
        else if (status.Error is not null)
        {
            json.WriteString("error", status.Error);
        }
        json.WriteNull("dcs_last_seen");
        if (tags.Values.Count > 0)
        {
            json.WritePropertyName("tags");
            json.WriteRawValue(new JObject(tags.Values.Select(p => new JProperty(p.Key, p.Value))).ToString(Newtonsoft.Json.Formatting.None));
        }
        if (status.SystemIdentifier is not null)
        {
            json.WriteString("database_system_identifier", status.SystemIdentifier);
        }
        json.WriteStartObject("patroni");
        json.WriteString("version", identity.Version);
        json.WriteString("scope", identity.Scope);
        json.WriteString("name", identity.Name);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteRunning(Utf8JsonWriter json, InstanceStatus status)
    {
        if (status.ServerVersion is { } version)
        {
            json.WriteNumber("server_version", version);
        }
        json.WriteStartObject("xlog");
        if (status.Role == NodeRole.Primary)
        {
            json.WriteNumber("location", status.WalLocation ?? 0);
        }
        else
        {
            json.WriteNumber("received_location", status.ReceivedLocation ?? status.ReplayedLocation ?? 0);
            json.WriteNumber("replayed_location", status.ReplayedLocation ?? 0);
            if (status.ReplayedTimestamp is { } replayedAt)
            {
                json.WriteString("replayed_timestamp", PythonTimestamp(replayedAt));
            }
            else
            {
                json.WriteNull("replayed_timestamp");
            }
            json.WriteBoolean("paused", status.ReplayPaused);
        }
        json.WriteEndObject();
        if (status.Timeline is { } timeline)
        {
            json.WriteNumber("timeline", timeline);
        }
        if (status.ReplicationState is not null)
        {
            json.WriteString("replication_state", status.ReplicationState);
        }
        if (status.SyncRole == SyncRole.Sync)
        {
            json.WriteBoolean("sync_standby", true);
        }
        else if (status.SyncRole == SyncRole.Quorum)
        {
            json.WriteBoolean("quorum_standby", true);
        }
        if (status.ReplicationOrEmpty.Length > 0)
        {
            json.WriteStartArray("replication");
            foreach (var r in status.ReplicationOrEmpty)
            {
                json.WriteStartObject();
                WriteStringOrNull(json, "usename", r.UserName);
                WriteStringOrNull(json, "application_name", r.ApplicationName);
                WriteStringOrNull(json, "client_addr", r.ClientAddress);
                WriteStringOrNull(json, "state", r.State);
                WriteStringOrNull(json, "sync_state", r.SyncState);
                json.WriteNumber("sync_priority", r.SyncPriority);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
    }

    public static string StateName(PostgresState state) => state switch
    {
        PostgresState.Running => "running",
        PostgresState.Starting => "starting",
        PostgresState.Stopped => "stopped",
        _ => "unknown",
    };

    public static string RoleName(NodeRole role) => role switch
    {
        NodeRole.Primary => "primary",
        NodeRole.Replica => "replica",
        NodeRole.StandbyLeader => "standby_leader",
        _ => "uninitialized",
    };

    // Python's datetime.isoformat(sep=' '): "2026-11-23 10:15:42.123456+00:00".
    private static string PythonTimestamp(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
