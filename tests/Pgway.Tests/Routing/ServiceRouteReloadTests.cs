using Microsoft.Extensions.Time.Testing;
using Pgway.Health;
using Pgway.Model;
using Pgway.Routing;

namespace Pgway.Tests.Routing;

public class ServiceRouteReloadTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider time = new(Start);

    private static Service Replicas(string hosts, string balance = "roundrobin") => TestInventories.LoadValid($$"""
        all:
          children:
            pg-test:
              hosts:
                {{hosts}}
              vars:
                pg_cluster: pg-test
                pg_default_services: []
                pg_services:
                  - { name: ro, port: 5434, selector: "[]", balance: {{balance}}, options: "maxconn 10" }
        """).Service("pg-test-ro");

    private const string Two = "10.10.10.11: { pg_seq: 1, pg_role: replica }\n        10.10.10.12: { pg_seq: 2, pg_role: replica }";

    private ServiceRoute Route(Service service) => new(service, _ => null, TimeSpan.FromSeconds(3), time);

    [Fact]
    public async Task Update_MemberKept_KeepsItsSessionsAndCounters()
    {
        var route = Route(Replicas(Two));
        var held = (await route.AcquireAsync(0, null, CancellationToken.None)).Member!;
        Assert.Equal("pg-test-1", held.Member.Name);

        route.Update(Replicas(Two.Replace("pg_role: replica }", "pg_role: replica, pg_weight: 50 }", StringComparison.Ordinal)), _ => null);

        var kept = route.Members.Single(m => m.Member.Name == "pg-test-1");
        Assert.Same(held, kept);
        Assert.Equal(1, kept.Sessions);
        Assert.Equal(1, kept.TotalSessions);
        Assert.Equal(50, kept.Member.Weight);
        route.Release(held);
        Assert.Equal(0, kept.Sessions);
    }

    [Fact]
    public async Task Update_MemberRemovedWhileInUse_NewClientsGoElsewhereAndTheSessionEndsCleanly()
    {
        var route = Route(Replicas(Two));
        var held = (await route.AcquireAsync(0, null, CancellationToken.None)).Member!;

        route.Update(Replicas("10.10.10.12: { pg_seq: 2, pg_role: replica }\n        10.10.10.13: { pg_seq: 3, pg_role: replica }"), _ => null);

        Assert.Equal(["pg-test-2", "pg-test-3"], route.Members.Select(m => m.Member.Name));
        Assert.Equal([0, 1], route.Members.Select(m => m.Index));
        var picks = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var member = (await route.AcquireAsync(0, null, CancellationToken.None)).Member!;
            picks.Add(member.Member.Name);
            route.Release(member);
        }
        Assert.DoesNotContain("pg-test-1", picks);
        Assert.Contains("pg-test-3", picks);
        // The removed member's session still ends through the route.
        route.Release(held);
        Assert.Equal(0, held.Sessions);
        Assert.Equal(0, route.Sessions);
    }

    [Fact]
    public async Task Update_BalanceChanged_NewPolicyApplies()
    {
        var route = Route(Replicas(Two));
        var first = (await route.AcquireAsync(0, null, CancellationToken.None)).Member!;

        route.Update(Replicas(Two, balance: "leastconn"), _ => null);

        Assert.Equal(BalanceAlgorithm.LeastConn, route.Service.Balance);
        // The fewest sessions now: the other member, again and again while the first holds one.
        var next = (await route.AcquireAsync(0, null, CancellationToken.None)).Member!;
        Assert.NotSame(first, next);
    }
}
