using Pgway.Admin;
using Pgway.Health;
using Pgway.Model;
using Pgway.Pooling;
using Pgway.Routing;

namespace Pgway.Tests.Admin;

public sealed class StatusReportBuilderTests
{
    private static readonly DateTimeOffset Now = StatusSamples.Now;
    private static readonly Service Replica = TestInventories.Example("pg-test.yml").Service("pg-test-replica");

    private static readonly HealthCounter Up = HealthCounter.Initial(3, 3).After(true);
    private static readonly HealthCounter GoingDown = Up.After(false);
    private static readonly HealthCounter Down = HealthCounter.Initial(3, 3).After(false);
    private static readonly HealthCounter GoingUp = Down.After(true);

    private static MemberRouteSnapshot Member(string name, bool backup, HealthCounter? counter, CheckResult? result = null, DateTimeOffset? lastChange = null)
    {
        var changed = lastChange ?? Now.AddSeconds(-90);
        var health = counter is { } c ? new MemberHealthSnapshot(Replica.FullName, name, c, result, changed, Now.AddSeconds(1)) : null;
        return new(name, "10.10.10.12", 6432, backup, health?.IsUp ?? true, health, Weight: 100, EffectiveWeight: 40,
            Sessions: 2, MaxSessions: 4, SessionLimit: 50, TotalSessions: 9, ConnectFailures: 1, SessionsShutdown: 0,
            BytesFromClients: 0, BytesToClients: 0, changed);
    }

    private static ServiceRouteSnapshot Route(params MemberRouteSnapshot[] members) =>
        new(Replica.FullName, IsUp: members.Any(m => m.IsUp), Sessions: 3, MaxSessions: 7, SessionLimit: 0, TotalSessions: 11,
            Queue: 1, MaxQueue: 2, QueueLimit: 10, Redispatches: 0, RefusedNoServer: 2, RefusedQueueFull: 1, RefusedQueueTimeout: 1,
            Now.AddMinutes(-10), [.. members]);

    private static StatusReport Build(ServiceRouteSnapshot route, params PoolerMetrics[] poolers) =>
        StatusReportBuilder.Build(Now, [(Replica, route)], poolers, []);

    public static TheoryData<string, bool, string, bool> States => new()
    {
        { "up", false, "up", true },
        { "going-down", false, "going-down", true },
        { "down", false, "down", false },
        { "going-up", false, "going-up", false },
        { "up", true, "up", true },
        { "down", true, "down", false },
    };

    [Theory]
    [MemberData(nameof(States))]
    public void Build_MemberHealth_StateBackupAndUp(string state, bool backup, string expectedState, bool expectedUp)
    {
        var counter = state switch { "up" => Up, "going-down" => GoingDown, "down" => Down, _ => GoingUp };

        var member = Build(Route(Member("pg-test-2", backup, counter))).Services.Single().Members.Single();

        Assert.Equal((expectedState, backup, expectedUp), (member.State, member.Backup, member.Up));
        Assert.Equal(counter.Describe(), member.Status);
    }

    [Fact]
    public void Build_ServiceWithoutCheck_NoCheckStateAndNoLastCheck()
    {
        var member = Build(Route(Member("pg-test-2", false, counter: null))).Services.Single().Members.Single();

        Assert.Equal(("no-check", "no check", true), (member.State, member.Status, member.Up));
        Assert.Null(member.Check);
    }

    [Fact]
    public void Build_LastCheck_ResultCodeDurationAndAge()
    {
        var result = new CheckResult(CheckStatus.L7Status, 503, TimeSpan.FromMilliseconds(12.5), Now.AddSeconds(-4), "role replica");

        var check = Build(Route(Member("pg-test-2", false, Down, result))).Services.Single().Members.Single().Check;

        Assert.Equal(new StatusCheck(false, "L7STS/503", 503, "role replica", 12.5, Now.AddSeconds(-4), 4), check);
    }

    [Fact]
    public void Build_PassedCheck_Passed()
    {
        var result = new CheckResult(CheckStatus.L7Ok, 200, TimeSpan.FromMilliseconds(3), Now, "role replica");

        Assert.True(Build(Route(Member("pg-test-2", false, Up, result))).Services.Single().Members.Single().Check!.Passed);
    }

    [Fact]
    public void Build_Service_DefinitionAndCountersFromSnapshot()
    {
        var service = Build(Route(Member("pg-test-2", false, Up), Member("pg-test-1", true, Up))).Services.Single();

        Assert.Equal(("pg-test-replica", "pg-test", Replica.Bind, 5434, "pgbouncer", "roundrobin"),
            (service.Name, service.Cluster, service.Bind, service.Port, service.Destination, service.Balance));
        Assert.Equal((true, 3, 7, 0, 11L), (service.Up, service.Sessions, service.MaxSessions, service.SessionLimit, service.TotalSessions));
        Assert.Equal((1, 2, 10, 4L), (service.Queue, service.MaxQueue, service.QueueLimit, service.Refused));
        Assert.Equal(600, service.SecondsInState);
        Assert.Equal(["pg-test-2", "pg-test-1"], service.Members.Select(m => m.Name));
    }

    [Fact]
    public void Build_Member_WeightsSessionsAndTimeInState()
    {
        var member = Build(Route(Member("pg-test-2", false, Up))).Services.Single().Members.Single();

        Assert.Equal(("10.10.10.12", 6432, 100, 40), (member.Address, member.Port, member.Weight, member.EffectiveWeight));
        Assert.Equal((2, 4, 50, 9L, 1L), (member.Sessions, member.MaxSessions, member.SessionLimit, member.TotalSessions, member.ConnectFailures));
        Assert.Equal((Now.AddSeconds(-90), 90.0), (member.LastChange, member.SecondsInState));
    }

    [Fact]
    public void Build_ChangeAfterNow_TimeInStateZero()
    {
        var member = Build(Route(Member("pg-test-2", false, Up, lastChange: Now.AddSeconds(5)))).Services.Single().Members.Single();

        Assert.Equal(0, member.SecondsInState);
    }

    [Fact]
    public void Build_Pool_CountsAveragesAndWait()
    {
        var pooler = new PoolerMetrics("pg-test-1", 3,
            [new PoolSnapshot("meta", "dbuser_meta", ClientsActive: 2, ClientsWaiting: 1, ServersActive: 1, ServersIdle: 3, PoolSize: 20,
                new PoolStatisticsSnapshot(TotalTransactionCount: 5, TotalQueryCount: 8, TotalReceived: 100, TotalSent: 200,
                    TotalTransactionTime: 1_500_000, TotalQueryTime: 250_000, TotalWaitTime: 3_000_000)) { OldestWaitSince = Now.AddSeconds(-4), Paused = true }],
            new Dictionary<DisconnectReason, long>());

        var report = Build(Route(), pooler);

        var listed = Assert.Single(report.Poolers);
        Assert.Equal(("pg-test-1", 3), (listed.Instance, listed.Clients));
        Assert.Equal(new StatusPool("meta", "dbuser_meta", 2, 1, 1, 3, 20, Paused: true, Transactions: 5, Queries: 8,
            AvgTransactionMs: 300, AvgQueryMs: 31.25, TotalWaitMs: 3000, MaxWaitSeconds: 4, ReceivedBytes: 100, SentBytes: 200), listed.Pools.Single());
    }

    [Fact]
    public void Build_PoolWithoutTraffic_ZeroAveragesNoWait()
    {
        var pooler = new PoolerMetrics("pg-test-1", 0,
            [new PoolSnapshot("meta", "dbuser_meta", 0, 0, 0, 1, 20, new PoolStatisticsSnapshot(0, 0, 0, 0, 0, 0, 0))],
            new Dictionary<DisconnectReason, long>());

        var pool = Build(Route(), pooler).Poolers.Single().Pools.Single();

        Assert.Equal((0.0, 0.0, 0.0), (pool.AvgTransactionMs, pool.AvgQueryMs, pool.MaxWaitSeconds));
    }

    [Fact]
    public void Build_Events_KeptAsGivenWithTheTime()
    {
        var events = StatusSamples.Report().Events;

        var report = StatusReportBuilder.Build(Now, [], [], events);

        Assert.Equal(Now, report.GeneratedAt);
        Assert.Same(events, report.Events);
        Assert.Empty(report.Services);
    }

    [Fact]
    public void Build_PoolServiceWithServersAndNoClient_ClientsAndServersApart()
    {
        var pooled = Replica with { Destination = PortReference.Named(PortReference.Pool) };
        // The service's pooler: no client, two pools with one waiting client between them (a client still logging in is counted too).
        var pooler = new PoolerMetrics(pooled.FullName, 1,
            [new PoolSnapshot("meta", "dbuser_meta", 0, 1, 0, 2, 20, new PoolStatisticsSnapshot(5, 8, 0, 0, 0, 0, 0)),
             new PoolSnapshot("test", "test", 0, 0, 0, 1, 20, new PoolStatisticsSnapshot(7, 9, 0, 0, 0, 0, 0))],
            new Dictionary<DisconnectReason, long>()) { IsService = true };

        var service = StatusReportBuilder.Build(Now, [(pooled, Route(Member("pg-test-2", false, Up)))], [pooler], []).Services.Single();

        Assert.Equal((true, 1, 3, 1, 12L), (service.Pooled, service.Clients, service.Servers, service.ClientsWaiting, service.Transactions));
        Assert.Equal(3, service.Sessions);
    }

    [Fact]
    public void Build_SplicedService_ClientsAndServersAreItsSessions()
    {
        var service = Build(Route(Member("pg-test-2", false, Up))).Services.Single();

        Assert.Equal((false, 3, 3, 1, (long?)null), (service.Pooled, service.Clients, service.Servers, service.ClientsWaiting, service.Transactions));
    }

    [Fact]
    public void Build_RunningReplicaFailsPrimaryCheck_NotPrimaryRatherThanAFailure()
    {
        var primaryService = Replica with { Name = "primary", Check = HealthCheck.Http("/primary", PortReference.Named(PortReference.Patroni)) };
        var replicaService = Replica;
        var refused = new CheckResult(CheckStatus.L7Status, 503, TimeSpan.FromMilliseconds(2), Now, "HTTP/1.1 503 Service Unavailable");
        var passed = new CheckResult(CheckStatus.L7Ok, 200, TimeSpan.FromMilliseconds(2), Now, "HTTP/1.1 200 OK");
        var unreachable = new CheckResult(CheckStatus.L4Connection, null, TimeSpan.FromMilliseconds(2), Now, "connection refused");
        MemberRouteSnapshot At(string name, string address, HealthCounter counter, CheckResult result) =>
            Member(name, false, counter, result) with { Address = address };

        var report = StatusReportBuilder.Build(Now,
            [
                (primaryService, Route(At("pg-test-2", "10.10.10.12", Down, refused), At("pg-test-3", "10.10.10.13", Down, refused), At("pg-test-4", "10.10.10.14", Down, unreachable))),
                // The replica service's check reaches pg-test-2 only: pg-test-3's 503 may be a stopped PostgreSQL behind a running Patroni.
                (replicaService, Route(At("pg-test-2", "10.10.10.12", Up, passed))),
            ], [], []);

        var members = report.Services[0].Members.ToDictionary(m => m.Name);
        Assert.Equal(("down", "not primary"), (members["pg-test-2"].State, members["pg-test-2"].RoleMismatch));
        Assert.Null(members["pg-test-3"].RoleMismatch);
        Assert.Null(members["pg-test-4"].RoleMismatch);
        Assert.Null(report.Services[1].Members.Single().RoleMismatch);
    }
}
