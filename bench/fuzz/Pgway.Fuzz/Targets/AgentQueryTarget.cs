using System.Text;
using Pgway.Agent;

namespace Pgway.Fuzz;

/// <summary>
/// The health agent's requests as Kestrel hands them over: the method, the decoded path (routed by
/// <see cref="PatroniHealthRules.Route"/>) and the raw query string (<see cref="HealthQuery"/>,
/// <c>lag=</c> through <see cref="PatroniByteSize"/>), decided against a primary and a replica.
/// The input is an HTTP request line, <c>METHOD TARGET</c>; the rest of the input after a line end
/// is also read as a size.
/// </summary>
internal static class AgentQueryTarget
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly InstanceStatus[] Statuses =
    [
        new(PostgresState.Running, NodeRole.Primary, Now, ServerVersion: 170000, Timeline: 1, WalLocation: 5_000_000),
        new(PostgresState.Running, NodeRole.Replica, Now, ServerVersion: 170000, Timeline: 1, ReceivedLocation: 4_000_000,
            ReplayedLocation: 3_000_000, LatestEndLocation: 5_000_000, ReplicationState: "streaming"),
        InstanceStatus.NotRunning(PostgresState.Stopped, Now, "not running"),
    ];

    private static readonly NodeTags Tags = NodeTags.From(new Dictionary<string, string> { ["nofailover"] = "false", ["zone"] = "a" });

    public static void Check(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        var lineEnd = text.IndexOf('\n', StringComparison.Ordinal);
        var line = lineEnd < 0 ? text : text[..lineEnd];
        if (lineEnd >= 0)
        {
            PatroniByteSize.Parse(text[(lineEnd + 1)..]);
        }
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var method = space < 0 ? "GET" : line[..space];
        var target = space < 0 ? line : line[(space + 1)..];
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var rawPath = question < 0 ? target : target[..question];
        var query = question < 0 ? null : target[question..];
        if (!KestrelPath.TryDecode(rawPath, out var path))
        {
            return;
        }
        var endpoint = PatroniHealthRules.Route(method, path.Value!);
        Expect(Enum.IsDefined(endpoint), $"route {(int)endpoint} is not an endpoint");
        var health = HealthQuery.Parse(query);
        Expect(health.Values.All(v => v.Value.Length > 0), "a blank value kept");
        Expect(health.MaxLag == (health.Values.TryGetValue("lag", out var lag) ? PatroniByteSize.Parse(lag) : null), "lag= read inconsistently");
        Expect(health.TagConditions.Count() == health.Values.Keys.Count(k => k.StartsWith("tag_", StringComparison.Ordinal)), "tag conditions lost");
        foreach (var status in Statuses)
        {
            var passed = PatroniHealthRules.Decide(endpoint, health, status, Tags);
            Expect(!passed || status.State == PostgresState.Running || endpoint is HealthEndpoint.Liveness or HealthEndpoint.Status,
                $"{endpoint} passed on an instance that is not running");
        }
    }

    private static void Expect(bool condition, string broken)
    {
        if (!condition)
        {
            throw new FuzzInvariantException($"agent: {broken}");
        }
    }
}
