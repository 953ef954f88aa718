using Pgway.Health;

namespace Pgway.Tests.Health;

public sealed class MemberHealthTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 7, 0, 0, TimeSpan.Zero);

    private static MemberHealth Member()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                pg-test:
                  hosts:
                    10.10.10.11: { pg_seq: 1, pg_role: primary }
                  vars:
                    pg_cluster: pg-test
                    pg_default_services: []
                    pg_services:
                      - { name: a, port: 5501, selector: "[]", check: /primary, options: "inter 2s fastinter 1s downinter 5s rise 1 fall 1" }
            """);
        var service = topology.Clusters.Single().Services.Single();
        var member = service.Members.Single();
        return new MemberHealth(service, member, HealthMonitor.TargetOf(service, member), Start);
    }

    private static CheckResult Result(CheckStatus status, string detail) => new(status, null, TimeSpan.FromMilliseconds(1), Start, detail);

    [Fact]
    public void Apply_LocalSocketError_ShownButNotCounted()
    {
        var member = Member();
        var before = member.Snapshot.Counter;

        var change = member.Apply(Result(CheckStatus.LocalError, "Too many open files"), Start.AddSeconds(1));

        // fall 1: one failed check would have taken it down.
        Assert.Null(change);
        Assert.Equal(before, member.Snapshot.Counter);
        Assert.True(member.Snapshot.IsUp);
        Assert.Equal("SOCKERR", member.Snapshot.LastResult!.Reason);
        // Checked again at its rhythm (fully up: inter 2s).
        Assert.Equal(Start.AddSeconds(1) + TimeSpan.FromSeconds(2), member.Snapshot.NextCheck);
    }

    [Fact]
    public void Apply_ConnectionRefused_CountedAsEver()
    {
        var member = Member();

        var change = member.Apply(Result(CheckStatus.L4Connection, "connection refused"), Start.AddSeconds(1));

        Assert.Equal(MemberHealthState.Down, change!.To);
    }
}
