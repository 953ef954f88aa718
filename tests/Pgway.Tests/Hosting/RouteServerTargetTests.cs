using Microsoft.Extensions.Time.Testing;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.Model;
using Pgway.Pooling;
using Pgway.Routing;
using Pgway.Tests.Routing;

namespace Pgway.Tests.Hosting;

/// <summary>A <c>dest: pool</c> service's choice of member per server connection, and its fencing.</summary>
public class RouteServerTargetTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider time = new(Start);
    private readonly Dictionary<string, MemberHealth> health = [];
    private readonly List<ServerLease> fenced = [];

    // The replicas of the route's own tests, pooled.
    private static Service Replicas(string options) => ServiceRouteTests.Replicas(options, dest: "pool");

    private (ServiceRoute Route, RouteServerTarget Target) Target(Service service)
    {
        var route = new ServiceRoute(service, member =>
        {
            var memberHealth = new MemberHealth(service, member, HealthMonitor.TargetOf(service, member), Start);
            health[member.Name] = memberHealth;
            return memberHealth;
        }, TimeSpan.FromSeconds(3), time);
        var target = new RouteServerTarget(route, time);
        target.Fenced += fenced.Add;
        return (route, target);
    }

    private static void Check(ServiceRoute route, RouteServerTarget target, MemberHealth memberHealth, bool passes, DateTimeOffset now,
        CheckStatus failure = CheckStatus.L7Status)
    {
        var result = passes ? new CheckResult(CheckStatus.L7Ok, 200, TimeSpan.Zero, now, "")
            : new CheckResult(failure, failure == CheckStatus.L7Status ? 503 : null, TimeSpan.Zero, now, "");
        if (memberHealth.Apply(result, now) is { } change)
        {
            route.OnHealthChanged(change);
            target.OnHealthChanged(change);
        }
    }

    [Fact]
    public void Service_DestPool_PoolsToEachMembersPostgres()
    {
        var service = Replicas("");

        Assert.True(service.IsPool);
        Assert.All(service.Members, m => Assert.Equal(m.Instance.PgPort, m.Port));
    }

    [Fact]
    public void TryLease_MembersUp_BalancesOverThemAndCountsEachServerAsASession()
    {
        var (route, target) = Target(Replicas("maxconn 10"));

        var leases = Enumerable.Range(0, 6).Select(_ => target.TryLease()!).ToList();

        Assert.Equal(["pg-test-1", "pg-test-2", "pg-test-3", "pg-test-1", "pg-test-2", "pg-test-3"], leases.Select(l => l.Member));
        Assert.Equal(5432, leases[0].EndPoint.Port);
        Assert.Equal("10.10.10.11", leases[0].EndPoint.Address.ToString());
        Assert.All(route.Members, m => Assert.Equal(2, m.Sessions));
        leases.ForEach(l => l.Release());
        leases[0].Release();
        Assert.All(route.Members, m => Assert.Equal(0, m.Sessions));
    }

    [Fact]
    public async Task TryLease_EveryMemberFull_NoneUntilAServerCloses()
    {
        var (_, target) = Target(Replicas("maxconn 1"));
        var leases = Enumerable.Range(0, 3).Select(_ => target.TryLease()!).ToList();

        Assert.Null(target.TryLease());
        var changed = target.WaitForChangeAsync(CancellationToken.None);
        Assert.False(changed.IsCompleted);
        leases[1].Release();

        await changed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("pg-test-2", target.TryLease()!.Member);
    }

    [Fact]
    public void OnHealthChanged_MemberFailsItsCheckOnce_FencedAndNoNewServerGoesThere()
    {
        var (route, target) = Target(Replicas("fall 3"));
        var leases = Enumerable.Range(0, 3).Select(_ => target.TryLease()!).ToList();

        for (var i = 0; i < 3; i++)
        {
            Check(route, target, health["pg-test-2"], passes: true, Start);
        }

        // One failed check of three: HAProxy still counts it up ("UP 2/3"), a pool service does not.
        Check(route, target, health["pg-test-2"], passes: false, Start);

        Assert.Equal(MemberHealthState.GoingDown, health["pg-test-2"].Snapshot.State);
        Assert.True(leases[1].IsFenced);
        Assert.Equal([leases[1]], fenced);
        Assert.False(leases[0].IsRetired);
        Assert.False(leases[2].IsRetired);
        Assert.All(Enumerable.Range(0, 4).Select(_ => target.TryLease()!), l => Assert.NotEqual("pg-test-2", l.Member));
    }

    // No answer is not a wrong answer: a check that timed out once leaves the member's transactions
    // running (no new server goes there), and fall checks in a row fence it.
    [Theory]
    [InlineData(nameof(CheckStatus.L7Timeout))]
    [InlineData(nameof(CheckStatus.L4Timeout))]
    [InlineData(nameof(CheckStatus.L4Connection))]
    public void OnHealthChanged_CheckGetsNoAnswerOnce_NotFencedUntilMarkedDown(string status)
    {
        var failure = Enum.Parse<CheckStatus>(status);
        var (route, target) = Target(Replicas("fall 2"));
        var leases = Enumerable.Range(0, 3).Select(_ => target.TryLease()!).ToList();
        var held = leases.Single(l => l.Member == "pg-test-2");
        for (var i = 0; i < 2; i++)
        {
            Check(route, target, health["pg-test-2"], passes: true, Start);
        }

        Check(route, target, health["pg-test-2"], passes: false, Start, failure);

        Assert.Equal(MemberHealthState.GoingDown, health["pg-test-2"].Snapshot.State);
        Assert.False(held.IsFenced);
        Assert.Empty(fenced);
        Assert.All(Enumerable.Range(0, 4).Select(_ => target.TryLease()!), l => Assert.NotEqual("pg-test-2", l.Member));

        Check(route, target, health["pg-test-2"], passes: false, Start, failure);

        Assert.Equal(MemberHealthState.Down, health["pg-test-2"].Snapshot.State);
        Assert.True(held.IsFenced);
        Assert.Equal([held], fenced);
    }

    [Fact]
    public void OnHealthChanged_MemberBackUp_ServersGoThereAgain()
    {
        var (route, target) = Target(Replicas("rise 1 fall 1"));
        Check(route, target, health["pg-test-1"], passes: false, Start);
        Assert.DoesNotContain(Enumerable.Range(0, 4).Select(_ => target.TryLease()!.Member), m => m == "pg-test-1");

        Check(route, target, health["pg-test-1"], passes: true, Start);

        Assert.Contains(Enumerable.Range(0, 3).Select(_ => target.TryLease()!.Member), m => m == "pg-test-1");
    }

    [Fact]
    public void Refresh_MemberRemovedByReload_RetiredNotFenced()
    {
        var service = Replicas("");
        var (route, target) = Target(service);
        var leases = Enumerable.Range(0, 3).Select(_ => target.TryLease()!).ToList();

        route.Update(service with { Members = [.. service.Members.Take(2)] }, m => health[m.Name]);
        target.Refresh();

        Assert.True(leases[2].IsRetired);
        Assert.False(leases[2].IsFenced);
        Assert.Empty(fenced);
        Assert.False(leases[0].IsRetired);
    }

    [Fact]
    public void Failed_ConnectionRefused_MemberAvoidedForFastinter()
    {
        var (_, target) = Target(Replicas("fastinter 1s"));
        var first = target.TryLease()!;
        target.Failed(first);
        first.Release();

        Assert.All(Enumerable.Range(0, 4).Select(_ => target.TryLease()!), l => Assert.NotEqual(first.Member, l.Member));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains(Enumerable.Range(0, 3).Select(_ => target.TryLease()!.Member), m => m == first.Member);
    }

    [Fact]
    public void TryLease_NoMemberUp_NoneAndWaitsForAChange()
    {
        var (route, target) = Target(Replicas("rise 1 fall 1"));
        foreach (var name in health.Keys.ToList())
        {
            Check(route, target, health[name], passes: false, Start);
        }

        Assert.Null(target.TryLease());
        var changed = target.WaitForChangeAsync(CancellationToken.None);
        Assert.False(changed.IsCompleted);
        Check(route, target, health["pg-test-3"], passes: true, Start);

        Assert.True(changed.IsCompleted);
        Assert.Equal("pg-test-3", target.TryLease()!.Member);
    }
}
