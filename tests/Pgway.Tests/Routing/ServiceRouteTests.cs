using Microsoft.Extensions.Time.Testing;
using Pgway.Health;
using Pgway.Model;
using Pgway.Routing;

namespace Pgway.Tests.Routing;

public class ServiceRouteTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan QueueTimeout = TimeSpan.FromSeconds(3);

    private readonly FakeTimeProvider time = new(Start);
    private readonly Dictionary<string, MemberHealth> health = [];

    // Three replicas behind one service; every member's health is driven by the test.
    internal static Service Replicas(string options, int serviceMaxConn = 5000, string dest = "default") => TestInventories.LoadValid($$"""
        all:
          children:
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: replica }
                10.10.10.12: { pg_seq: 2, pg_role: replica }
                10.10.10.13: { pg_seq: 3, pg_role: replica }
              vars:
                pg_cluster: pg-test
                pg_default_services: []
                pg_services:
                  - { name: ro, port: 5434, dest: {{dest}}, selector: "[]", check: /replica, maxconn: {{serviceMaxConn}}, options: "{{options}}" }
        """).Service("pg-test-ro");

    private ServiceRoute Route(Service service) => new(service, member =>
    {
        var memberHealth = new MemberHealth(service, member, HealthMonitor.TargetOf(service, member), Start);
        health[member.Name] = memberHealth;
        return memberHealth;
    }, QueueTimeout, time);

    private void Check(string member, bool passes) =>
        health[member].Apply(new CheckResult(passes ? CheckStatus.L7Ok : CheckStatus.L7Status, passes ? 200 : 503, TimeSpan.Zero, time.GetUtcNow(), ""), time.GetUtcNow());

    [Fact]
    public async Task Acquire_RoundRobin_SpreadsOverMembersAndCountsSessions()
    {
        var route = Route(Replicas("maxconn 10"));

        var picks = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var (member, failure) = await route.AcquireAsync(0, null, CancellationToken.None);
            Assert.Equal(RouteFailure.None, failure);
            picks.Add(member!.Member.Name);
        }

        Assert.Equal(["pg-test-1", "pg-test-2", "pg-test-3", "pg-test-1", "pg-test-2", "pg-test-3"], picks);
        Assert.All(route.Members, m => Assert.Equal(2, m.Sessions));
        Assert.All(route.Members, m => Assert.Equal(2, m.TotalSessions));
    }

    [Fact]
    public async Task Acquire_AllFull_WaitsUntilASlotIsReleased()
    {
        var route = Route(Replicas("maxconn 1 maxqueue 10"));
        var held = new List<MemberRoute>();
        for (var i = 0; i < 3; i++)
        {
            held.Add((await route.AcquireAsync(0, null, CancellationToken.None)).Member!);
        }

        var waiting = route.AcquireAsync(0, null, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, route.QueueLength);
        route.Release(held[1]);
        var (member, failure) = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(RouteFailure.None, failure);
        Assert.Same(held[1], member);
        Assert.Equal(0, route.QueueLength);
        Assert.Equal(1, held[1].Sessions);
    }

    [Fact]
    public async Task Acquire_ClientsWaiting_NewcomerQueuesBehindButTakesASlotTheyCannotUse()
    {
        var route = Route(Replicas("maxconn 1 maxqueue 10"));
        var held = new List<MemberRoute>();
        for (var i = 0; i < 3; i++)
        {
            held.Add((await route.AcquireAsync(0, null, CancellationToken.None)).Member!);
        }
        // A client that already failed on pg-test-1 waits; then pg-test-1 frees a slot it cannot use.
        var picky = route.AcquireAsync(0, new HashSet<int> { 0 }, CancellationToken.None);
        route.Release(held[0]);
        Assert.False(picky.IsCompleted);

        var (member, failure) = await route.AcquireAsync(0, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(RouteFailure.None, failure);
        Assert.Equal("pg-test-1", member!.Member.Name);
        Assert.False(picky.IsCompleted);
        route.Release(held[2]);
        Assert.Equal("pg-test-3", (await picky.WaitAsync(TimeSpan.FromSeconds(10))).Member!.Member.Name);
    }

    [Fact]
    public async Task Acquire_QueueFull_FailsAtOnce()
    {
        var route = Route(Replicas("maxconn 1 maxqueue 1"));
        Check("pg-test-2", false);
        Check("pg-test-3", false);
        _ = await route.AcquireAsync(0, null, CancellationToken.None);
        var waiting = route.AcquireAsync(0, null, CancellationToken.None);

        var (member, failure) = await route.AcquireAsync(0, null, CancellationToken.None);

        Assert.Null(member);
        Assert.Equal(RouteFailure.QueueFull, failure);
        Assert.False(waiting.IsCompleted);
    }

    [Fact]
    public async Task Acquire_NoSlotWithinTimeoutQueue_TimesOutAndLeavesTheQueue()
    {
        var route = Route(Replicas("maxconn 1 maxqueue 5"));
        for (var i = 0; i < 3; i++)
        {
            _ = await route.AcquireAsync(0, null, CancellationToken.None);
        }

        var waiting = route.AcquireAsync(0, null, CancellationToken.None);
        time.Advance(QueueTimeout);
        var (member, failure) = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Null(member);
        Assert.Equal(RouteFailure.QueueTimeout, failure);
        Assert.Equal(0, route.QueueLength);
    }

    [Fact]
    public async Task Acquire_ServiceMaxConnReached_WaitsThoughMembersHaveRoom()
    {
        var route = Route(Replicas("maxconn 10 maxqueue 5", serviceMaxConn: 2));
        var first = (await route.AcquireAsync(0, null, CancellationToken.None)).Member!;
        _ = await route.AcquireAsync(0, null, CancellationToken.None);

        var waiting = route.AcquireAsync(0, null, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        route.Release(first);
        var (member, failure) = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(RouteFailure.None, failure);
        Assert.NotNull(member);
        Assert.Equal(2, route.Sessions);
    }

    [Fact]
    public async Task Acquire_NobodyUp_NoServer()
    {
        var route = Route(Replicas("maxconn 1"));
        foreach (var name in new[] { "pg-test-1", "pg-test-2", "pg-test-3" })
        {
            Check(name, false);
        }

        var (member, failure) = await route.AcquireAsync(0, null, CancellationToken.None);

        Assert.Null(member);
        Assert.Equal(RouteFailure.NoServer, failure);
    }

    [Fact]
    public async Task Acquire_LastMemberGoesDownWhileWaiting_WaiterFailsAtOnce()
    {
        var route = Route(Replicas("maxconn 1 maxqueue 5"));
        Check("pg-test-2", false);
        Check("pg-test-3", false);
        _ = await route.AcquireAsync(0, null, CancellationToken.None);
        var waiting = route.AcquireAsync(0, null, CancellationToken.None);

        Check("pg-test-1", false);
        route.OnHealthChanged(new HealthEvent(time.GetUtcNow(), "pg-test-ro", "pg-test-1", MemberHealthState.Up, MemberHealthState.Down,
            health["pg-test-1"].Snapshot.Counter, health["pg-test-1"].Snapshot.LastResult!));
        var (member, failure) = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Null(member);
        Assert.Equal(RouteFailure.NoServer, failure);
    }

    [Theory]
    [InlineData("on-marked-down shutdown-sessions", true)]
    [InlineData("", false)]
    public async Task OnHealthChanged_MemberMarkedDown_SessionsShutDownOnlyWithShutdownSessions(string options, bool shutDown)
    {
        // L4 services fence a member the HAProxy way: its spliced sessions end when it is marked down.
        var route = Route(Replicas($"rise 1 fall 1 {options}"));
        var (member, _) = await route.AcquireAsync(0, null, CancellationToken.None);
        using var session = new CancellationTokenSource();
        member!.Track(session);

        Check(member.Member.Name, false);
        route.OnHealthChanged(new HealthEvent(time.GetUtcNow(), "pg-test-ro", member.Member.Name, MemberHealthState.Up, MemberHealthState.Down,
            health[member.Member.Name].Snapshot.Counter, health[member.Member.Name].Snapshot.LastResult!));

        Assert.Equal(shutDown, session.IsCancellationRequested);
        Assert.Equal(shutDown ? 1 : 0, member.SessionsShutdown);
    }

    [Fact]
    public async Task Acquire_ExcludingTriedMembers_Redispatches()
    {
        var route = Route(Replicas("maxconn 10"));

        var (member, _) = await route.AcquireAsync(0, new HashSet<int> { 0, 1 }, CancellationToken.None);

        Assert.Equal("pg-test-3", member!.Member.Name);
    }

    [Fact]
    public async Task Acquire_MemberJustRecovered_SlowstartLimitsItsShare()
    {
        var route = Route(Replicas("maxconn 100 slowstart 30s"));
        Check("pg-test-2", false);
        Check("pg-test-3", false);
        Check("pg-test-1", false);
        for (var i = 0; i < 3; i++)
        {
            Check("pg-test-1", true);
        }
        route.OnHealthChanged(new HealthEvent(time.GetUtcNow(), "pg-test-ro", "pg-test-1", MemberHealthState.GoingUp, MemberHealthState.Up,
            health["pg-test-1"].Snapshot.Counter, health["pg-test-1"].Snapshot.LastResult!));

        // Just up: maxconn ramps from 1, so the second client waits.
        var (first, _) = await route.AcquireAsync(0, null, CancellationToken.None);
        var second = route.AcquireAsync(0, null, CancellationToken.None);
        Assert.Equal("pg-test-1", first!.Member.Name);
        Assert.False(second.IsCompleted);

        // The freed slot goes to the waiting client.
        route.Release(first);
        Assert.Equal("pg-test-1", (await second.WaitAsync(TimeSpan.FromSeconds(10))).Member!.Member.Name);

        // Half way through the ramp: half the limit.
        time.Advance(TimeSpan.FromSeconds(15));
        for (var i = 0; i < 100; i++)
        {
            var next = route.AcquireAsync(0, null, CancellationToken.None);
            if (!next.IsCompleted)
            {
                break;
            }
        }
        Assert.Equal(50, route.Members[0].Sessions);
        Assert.Equal(1, route.QueueLength);
    }

    [Fact]
    public async Task Acquire_SlowstartRampOpens_ServesTheQueueWithoutARelease()
    {
        var route = Route(Replicas("maxconn 100 maxqueue 10 slowstart 30s"));
        Check("pg-test-2", false);
        Check("pg-test-3", false);
        Check("pg-test-1", false);
        for (var i = 0; i < 3; i++)
        {
            Check("pg-test-1", true);
        }
        MarkedUp(route, "pg-test-1");
        var (first, _) = await route.AcquireAsync(0, null, CancellationToken.None);
        var second = route.AcquireAsync(0, null, CancellationToken.None);
        Assert.False(second.IsCompleted);

        // Nobody leaves; the ramp alone makes room for the waiting client.
        time.Advance(TimeSpan.FromSeconds(2));

        var (member, failure) = await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(RouteFailure.None, failure);
        Assert.Same(first, member);
        Assert.Equal(2, route.Members[0].Sessions);
    }

    [Fact]
    public async Task Snapshot_AfterTraffic_CountsSessionsQueueAndPeaks()
    {
        var route = Route(Replicas("maxconn 1 maxqueue 5"));
        var held = new List<MemberRoute>();
        for (var i = 0; i < 3; i++)
        {
            held.Add((await route.AcquireAsync(0, null, CancellationToken.None)).Member!);
        }
        var waiting = new[] { route.AcquireAsync(0, null, CancellationToken.None), route.AcquireAsync(0, null, CancellationToken.None) };
        route.Release(held[0]);
        await waiting[0].WaitAsync(TimeSpan.FromSeconds(10));
        route.CountRefusal(RouteFailure.QueueTimeout);
        route.CountRedispatch();

        var snapshot = route.Snapshot();

        Assert.Equal("pg-test-ro", snapshot.Service);
        Assert.True(snapshot.IsUp);
        Assert.Equal(3, snapshot.Sessions);
        Assert.Equal(3, snapshot.MaxSessions);
        Assert.Equal(4, snapshot.TotalSessions);
        Assert.Equal(1, snapshot.Queue);
        Assert.Equal(2, snapshot.MaxQueue);
        Assert.Equal(15, snapshot.QueueLimit);
        Assert.Equal(1, snapshot.RefusedQueueTimeout);
        Assert.Equal(1, snapshot.Refused);
        Assert.Equal(1, snapshot.Redispatches);
        Assert.Equal(["pg-test-1", "pg-test-2", "pg-test-3"], snapshot.Members.Select(m => m.Name));
        Assert.All(snapshot.Members, m => Assert.Equal((1, 1, 1), (m.Sessions, m.MaxSessions, m.SessionLimit)));
        Assert.Equal([2L, 1L, 1L], snapshot.Members.Select(m => m.TotalSessions));
        Assert.All(snapshot.Members, m => Assert.Equal("UP", m.Status));
    }

    [Fact]
    public void Snapshot_ServiceLosesEveryMember_RecordsWhenItWentDown()
    {
        var route = Route(Replicas("rise 1 fall 1"));
        Assert.Equal(Start, route.Snapshot().LastChange);

        time.Advance(TimeSpan.FromMinutes(1));
        foreach (var name in new[] { "pg-test-1", "pg-test-2", "pg-test-3" })
        {
            Check(name, false);
            route.OnHealthChanged(new HealthEvent(time.GetUtcNow(), "pg-test-ro", name, MemberHealthState.Up, MemberHealthState.Down,
                health[name].Snapshot.Counter, health[name].Snapshot.LastResult!));
        }
        var snapshot = route.Snapshot();

        Assert.False(snapshot.IsUp);
        Assert.Equal(Start.AddMinutes(1), snapshot.LastChange);
        Assert.All(snapshot.Members, m => Assert.StartsWith("DOWN", m.Status));
    }

    [Fact]
    public async Task Acquire_AllBackups_BalancesOverEveryBackupUp()
    {
        var service = TestInventories.LoadValid("""
            all:
              children:
                pg-test:
                  hosts:
                    10.10.10.11: { pg_seq: 1, pg_role: primary }
                    10.10.10.12: { pg_seq: 2, pg_role: replica }
                    10.10.10.13: { pg_seq: 3, pg_role: replica }
                  vars:
                    pg_cluster: pg-test
                    pg_default_services: []
                    pg_services:
                      - { name: ro, port: 5434, selector: "[?pg_role == `primary`]", backup: "[?pg_role == `replica`]", allbackups: true, check: /replica }
            """).Service("pg-test-ro");
        Assert.True(service.AllBackups);
        var route = Route(service);
        Check("pg-test-1", false);

        var picks = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            picks.Add((await route.AcquireAsync(0, null, CancellationToken.None)).Member!.Member.Name);
        }

        Assert.Equal(["pg-test-2", "pg-test-3", "pg-test-2", "pg-test-3"], picks);
    }

    private void MarkedUp(ServiceRoute route, string member) =>
        route.OnHealthChanged(new HealthEvent(time.GetUtcNow(), "pg-test-ro", member, MemberHealthState.GoingUp, MemberHealthState.Up,
            health[member].Snapshot.Counter, health[member].Snapshot.LastResult!));
}
