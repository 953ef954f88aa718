using Microsoft.Extensions.Logging.Abstractions;
using Pgway.Health;
using Pgway.Model;

namespace Pgway.Tests.Health;

// Reloads: the monitor handed new services while it runs.
public partial class HealthMonitorTests
{
    private static IEnumerable<Service> Services(string services) => Inventory(services).Clusters.SelectMany(c => c.Services);

    private const string Primary = """
                  - { name: a, port: 5501, selector: "[? pg_role == `primary` ]", check: /primary, options: "inter 2s rise 3 fall 3" }
        """;

    [Fact]
    public async Task UpdateAsync_SameCheckOtherInterval_MemberKeepsItsStateAndNewServiceIsChecked()
    {
        var probes = new ScriptedProbes(time);
        await using var monitor = new HealthMonitor(Services(Primary), HealthMonitorOptions.Default, probes, time, NullLogger<HealthMonitor>.Instance);
        probes.Single().Script.Enqueue(false);
        monitor.Start();
        var member = Assert.Single(monitor.Members);
        await WaitFor(() => !member.Snapshot.IsUp);

        await monitor.UpdateAsync(Services(Primary.Replace("inter 2s", "inter 1s", StringComparison.Ordinal) + "\n" + """
                  - { name: b, port: 5502, selector: "[]", check: /read-only, options: "inter 2s rise 3 fall 3" }
        """), CancellationToken.None);

        Assert.Equal(3, monitor.Members.Length);
        Assert.Same(member, monitor.Find("pg-test-a", "pg-test-1"));
        Assert.False(member.Snapshot.IsUp);
        Assert.Equal(TimeSpan.FromSeconds(1), member.Service.Options.Inter);
        var added = monitor.Find("pg-test-b", "pg-test-2")!;
        await WaitFor(() => added.Snapshot.LastResult is not null);
    }

    [Fact]
    public async Task UpdateAsync_CheckChanged_MemberStartsAfreshAndServiceRemovedIsNoLongerMonitored()
    {
        var probes = new ScriptedProbes(time);
        await using var monitor = new HealthMonitor(Services(Primary + "\n" + """
                  - { name: b, port: 5502, selector: "[]", check: /read-only }
        """), HealthMonitorOptions.Default, probes, time, NullLogger<HealthMonitor>.Instance);
        monitor.Start();
        var before = monitor.Find("pg-test-a", "pg-test-1")!;
        await WaitFor(() => monitor.Members.All(m => m.Snapshot.LastResult is not null));

        await monitor.UpdateAsync(Services(Primary.Replace("check: /primary", "check: /read-write", StringComparison.Ordinal)), CancellationToken.None);

        var after = Assert.Single(monitor.Members);
        Assert.NotSame(before, after);
        Assert.Equal("/read-write", after.Target!.Path);
        Assert.Null(monitor.Find("pg-test-b", "pg-test-1"));
        Assert.Single(monitor.Targets);
        await WaitFor(() => after.Snapshot.LastResult is not null);
    }
}
