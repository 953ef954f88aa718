using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Pgway.Admin;
using Pgway.Health;
using Pgway.Pooling;
using Pgway.Routing;

namespace Pgway.Tests.Admin;

public sealed partial class MetricsReportTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static MemberRouteSnapshot Member(string name, bool up, int sessions, CheckResult? result) =>
        new(name, "10.0.0.1", 5432, IsBackup: false, up,
            result is null ? null : new MemberHealthSnapshot("pg-test-primary", name, default, result, Now, Now),
            Weight: 100, EffectiveWeight: 100, sessions, MaxSessions: 3, SessionLimit: 0, TotalSessions: 7, ConnectFailures: 1,
            SessionsShutdown: 0, BytesFromClients: 10, BytesToClients: 20, Now);

    private static readonly ServiceRouteSnapshot Service = new("pg-test-primary", IsUp: true, Sessions: 2, MaxSessions: 3, SessionLimit: 0,
        TotalSessions: 9, Queue: 1, MaxQueue: 2, QueueLimit: 0, Redispatches: 0, RefusedNoServer: 4, RefusedQueueFull: 0, RefusedQueueTimeout: 0, Now,
        [Member("pg-test-1", true, 2, new CheckResult(CheckStatus.L7Ok, 200, TimeSpan.FromMilliseconds(12), Now, "ok")),
         Member("pg-test-2", false, 0, new CheckResult(CheckStatus.L7Status, 503, TimeSpan.FromMilliseconds(3), Now, "role replica")),
         Member("pg \"odd\"", false, 0, null)]);

    private static readonly PoolerMetrics Pooler = new("pg-test-1", 3,
        [new PoolSnapshot("meta", "dbuser_meta", ClientsActive: 2, ClientsWaiting: 1, ServersActive: 1, ServersIdle: 1, PoolSize: 20,
            new PoolStatisticsSnapshot(5, 8, 100, 200, 1_500_000, 250_000, 3_000_000))],
        new Dictionary<DisconnectReason, long> { [DisconnectReason.ClientClose] = 6 });

    private static readonly string Text = MetricsReport.Write([Service], [Pooler]);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\\\|\\"|\\n)*",?)*)\})? (?<value>\S+)$""")]
    private static partial Regex SampleLine();

    [Fact]
    public void Write_EveryLine_CommentOrSampleOfATypedFamily()
    {
        var typed = new HashSet<string>(StringComparer.Ordinal);
        Assert.EndsWith("\n", Text, StringComparison.Ordinal);
        foreach (var line in Text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Contains(parts[3], new[] { "gauge", "counter" });
                Assert.True(typed.Add(parts[2]), $"family {parts[2]} typed twice");
                continue;
            }
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                continue;
            }
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            Assert.Contains(match.Groups["name"].Value, typed);
            Assert.True(double.TryParse(match.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture, out _), line);
        }
    }

    [Theory]
    [InlineData("pgway_service_up{service=\"pg-test-primary\"} 1")]
    [InlineData("pgway_service_refused_total{service=\"pg-test-primary\",reason=\"no_server\"} 4")]
    [InlineData("pgway_member_up{service=\"pg-test-primary\",member=\"pg-test-2\"} 0")]
    [InlineData("pgway_member_weight{service=\"pg-test-primary\",member=\"pg-test-1\"} 100")]
    [InlineData("pgway_member_check_duration_seconds{service=\"pg-test-primary\",member=\"pg-test-1\"} 0.012")]
    [InlineData("pgway_member_check_passed{service=\"pg-test-primary\",member=\"pg-test-2\",status=\"L7STS/503\"} 0")]
    [InlineData("haproxy_server_status{proxy=\"pg-test-primary\",server=\"pg-test-1\"} 1")]
    [InlineData("haproxy_server_status{proxy=\"pg-test-primary\",server=\"pg \\\"odd\\\"\"} 0")]
    [InlineData("haproxy_server_current_sessions{proxy=\"pg-test-primary\",server=\"pg-test-1\"} 2")]
    [InlineData("haproxy_backend_current_queue{proxy=\"pg-test-primary\"} 1")]
    [InlineData("pgway_pool_clients_active{instance=\"pg-test-1\",database=\"meta\",user=\"dbuser_meta\"} 2")]
    [InlineData("pgway_pool_clients_waiting{instance=\"pg-test-1\",database=\"meta\",user=\"dbuser_meta\"} 1")]
    [InlineData("pgway_pool_transaction_seconds_total{instance=\"pg-test-1\",database=\"meta\",user=\"dbuser_meta\"} 1.5")]
    [InlineData("pgway_pool_wait_seconds_total{instance=\"pg-test-1\",database=\"meta\",user=\"dbuser_meta\"} 3")]
    [InlineData("pgway_pooler_disconnects_total{instance=\"pg-test-1\",reason=\"client_close\"} 6")]
    public void Write_Snapshots_SampleLine(string line) =>
        Assert.Contains(line + "\n", Text, StringComparison.Ordinal);

    [Fact]
    public void Write_MemberWithoutCheck_NoCheckSamples() =>
        Assert.DoesNotContain("pgway_member_check_duration_seconds{service=\"pg-test-primary\",member=\"pg \\\"odd\\\"\"}", Text, StringComparison.Ordinal);

    [Fact]
    public void Write_PoolServiceWithIdleServersAndNoClient_ClientsAndServersApart()
    {
        var pooled = Service with { Service = "pg-test-pool", Sessions = 8 };
        var pooler = new PoolerMetrics("pg-test-pool", 0, [], new Dictionary<DisconnectReason, long>()) { IsService = true };

        var text = MetricsReport.Write([Service, pooled], [Pooler, pooler]);

        Assert.Contains("pgway_service_current_clients{service=\"pg-test-pool\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("pgway_service_current_servers{service=\"pg-test-pool\"} 8\n", text, StringComparison.Ordinal);
        // A spliced service: one server connection per client.
        Assert.Contains("pgway_service_current_clients{service=\"pg-test-primary\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("pgway_service_current_servers{service=\"pg-test-primary\"} 2\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Cancels_OneSamplePerOutcome()
    {
        var text = MetricsReport.Write([Service], [Pooler], new CancelCounts(Local: 4, Forwarded: 3, ForwardFailed: 2, Dropped: 1));

        Assert.Contains("# TYPE pgway_cancel_requests_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("pgway_cancel_requests_total{outcome=\"local\"} 4\n", text, StringComparison.Ordinal);
        Assert.Contains("pgway_cancel_requests_total{outcome=\"forwarded\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("pgway_cancel_requests_total{outcome=\"forward_failed\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("pgway_cancel_requests_total{outcome=\"dropped\"} 1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pgway_cancel_requests_total", Text, StringComparison.Ordinal);
    }
}
