using System.Net;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;
using Pgway.Testing.Network;

namespace Pgway.IntegrationTests.Network;

/// <summary>The multi-host network itself: who reaches whom, that nothing leaks to the root namespace, the janitor, the faults.</summary>
[Collection(NetworkLab.Name)]
public sealed class TestNetworkTests(NetworkLabFixture lab)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private TestNetwork Network => lab.Cluster.Network;

    [NetworkFact]
    public async Task Hosts_ReachEachOtherAndTheClientOverTheBridge()
    {
        var everyone = Network.Hosts.Append(Network.Client).ToList();
        foreach (var from in everyone)
        {
            foreach (var to in everyone.Where(to => to != from))
            {
                // L2: the peer answers ARP on the shared segment.
                var arp = await TestNetwork.RunAsync(from, "arping", ["-c", "1", "-w", "5", "-I", NetworkHost.Interface, to.Address.ToString()]);
                Assert.True(arp.Succeeded, $"{from} -> {to}: {arp.Describe()}");
            }
        }

        // TCP across the bridge: every host's postgres from the client and from another host.
        foreach (var member in lab.Cluster.Members)
        {
            foreach (var from in new[] { Network.Client, Network.Hosts.First(host => host != member.Host) })
            {
                var ready = await IsReadyAsync(from, member.Host.Address);
                Assert.True(ready.Succeeded, $"{from} -> {member}: {ready.Describe()}");
            }
        }
    }

    [NetworkFact]
    public async Task RootNamespace_HasNothingOfTheNetworkAndCannotReachIt()
    {
        var addresses = await PgCommandRunner.RunAsync("ip", ["-o", "addr", "show"], Path.GetTempPath(), null, Bound, CancellationToken.None);
        Assert.True(addresses.Succeeded, addresses.Describe());
        Assert.DoesNotContain("198.51.100.", addresses.StandardOutput, StringComparison.Ordinal);
        var links = await PgCommandRunner.RunAsync("ip", ["-o", "link", "show"], Path.GetTempPath(), null, Bound, CancellationToken.None);
        Assert.DoesNotContain(Network.Hosts[0].BridgePort + "@", links.StandardOutput, StringComparison.Ordinal);

        // A log-in from here with the lab's random password cannot succeed: nothing here reaches the lab's
        // postgres (whatever the root namespace's own routes do with 198.51.100.x, such as a sandbox's proxy).
        var login = await PgCommandRunner.RunAsync(
            "psql",
            ["-X", "-At", "-c", "SELECT 1", $"host={lab.Cluster.Primary.Host.Address} port={MultiHostCluster.PostgresPort} user={PgTestUsers.Meta} dbname={PgTestUsers.TestDatabase} sslmode=disable connect_timeout=3"],
            Path.GetTempPath(),
            new Dictionary<string, string> { ["PGPASSWORD"] = lab.Cluster.Credentials.PasswordFor(PgTestUsers.Meta) },
            Bound,
            CancellationToken.None);
        Assert.False(login.Succeeded, $"the root namespace reached the lab's primary: {login.Describe()}");

        // And no host has a route out: only the segment's own.
        foreach (var host in Network.Hosts.Append(Network.Client))
        {
            var routes = await TestNetwork.RunAsync(host, "ip", ["-4", "route", "show"]);
            Assert.Equal($"{TestNetwork.Subnet} dev {NetworkHost.Interface} proto kernel scope link src {host.Address}", routes.StandardOutput.Trim());
        }
    }

    [NetworkFact]
    public async Task Janitor_KilledRunsNamespaces_RemovedWithTheirProcesses_LiveRunsKept()
    {
        // A PID that no longer runs stands for the killed test process.
        int deadOwner;
        using (var exited = System.Diagnostics.Process.Start("true"))
        {
            await exited.WaitForExitAsync();
            deadOwner = exited.Id;
        }

        var abandoned = NetnsNames.For(deadOwner, "janitor-test");
        var live = NetnsNames.For(Environment.ProcessId, "janitor-live");
        await PgCommandRunner.RunAsync("ip", ["netns", "add", abandoned], Path.GetTempPath(), null, Bound, CancellationToken.None);
        await PgCommandRunner.RunAsync("ip", ["netns", "add", live], Path.GetTempPath(), null, Bound, CancellationToken.None);
        using var inside = System.Diagnostics.Process.Start("ip", ["netns", "exec", abandoned, "sleep", "300"]);
        try
        {
            await Eventually.HoldsAsync(async () => (await PidsAsync(abandoned)).Contains(inside.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), Bound);

            var removed = await AbandonedNetworkJanitor.SweepAsync(CancellationToken.None);

            Assert.Contains(abandoned, removed);
            Assert.DoesNotContain(live, removed);
            using var exited = new CancellationTokenSource(Bound);
            await inside.WaitForExitAsync(exited.Token);
            var list = await PgCommandRunner.RunAsync("ip", ["netns", "list"], Path.GetTempPath(), null, Bound, CancellationToken.None);
            Assert.DoesNotContain(abandoned, list.StandardOutput, StringComparison.Ordinal);
            Assert.Contains(live, list.StandardOutput, StringComparison.Ordinal);
            Assert.Contains(Network.BridgeNamespace, list.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            if (!inside.HasExited)
            {
                inside.Kill();
            }

            await AbandonedNetworkJanitor.DeleteNamespaceAsync(abandoned, CancellationToken.None);
            await AbandonedNetworkJanitor.DeleteNamespaceAsync(live, CancellationToken.None);
        }
    }

    [NetworkFact]
    public async Task Etcd_ThreeMembersAcrossHosts_OneClusterSeenFromEveryMember()
    {
        var members = await lab.Cluster.EtcdctlFromClientAsync(["member", "list"]);
        Assert.True(members.Succeeded, members.Describe());
        Assert.Equal(3, members.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(line => line.Contains(", started, ", StringComparison.Ordinal)));

        // Written through the first member, read through the last: they replicate over the bridge.
        var key = $"/pgway-test/{Guid.NewGuid():N}";
        var first = lab.Cluster.EtcdEndpoints[0];
        var last = lab.Cluster.EtcdEndpoints[^1];
        var put = await TestNetwork.RunAsync(Network.Client, "etcdctl", [$"--endpoints=http://{first}", "put", key, "across"]);
        Assert.True(put.Succeeded, put.Describe());
        var get = await TestNetwork.RunAsync(Network.Client, "etcdctl", [$"--endpoints=http://{last}", "get", "--print-value-only", "--consistency=l", key]);
        Assert.True(get.Succeeded, get.Describe());
        Assert.Equal("across", get.StandardOutput.Trim());
    }

    [NetworkFact]
    public async Task CutOff_HostUnreachable_Restore_ReachableAndItsServicesBack()
    {
        var host = Network.Host(3);
        try
        {
            await Network.CutOffAsync(host);
            var cut = await IsReadyAsync(Network.Client, host.Address);
            Assert.False(cut.Succeeded, $"{host} answered while cut off: {cut.Describe()}");
        }
        finally
        {
            await Network.RestoreAsync(host);
        }

        await Eventually.HoldsAsync(async () => (await IsReadyAsync(Network.Client, host.Address)).Succeeded, Bound);
        await WaitForPrimaryServiceAsync(host);
    }

    [NetworkFact]
    public async Task Loss_AllPacketsDropped_HostUnreachable_ZeroRestores()
    {
        var host = Network.Host(3);
        try
        {
            await TestNetwork.SetLossAsync(host, 100);
            var lost = await IsReadyAsync(Network.Client, host.Address);
            Assert.False(lost.Succeeded, $"{host} answered with 100 % loss: {lost.Describe()}");
        }
        finally
        {
            await TestNetwork.SetLossAsync(host, 0);
        }

        await Eventually.HoldsAsync(async () => (await IsReadyAsync(Network.Client, host.Address)).Succeeded, Bound);
        await WaitForPrimaryServiceAsync(host);
    }

    [NetworkFact(NeedsDelay = true)]
    public async Task Delay_Added_ConnectionsStillWork()
    {
        var host = Network.Host(3);
        try
        {
            await TestNetwork.SetDelayAsync(host, TimeSpan.FromMilliseconds(50));
            Assert.True((await IsReadyAsync(Network.Client, host.Address)).Succeeded);
        }
        finally
        {
            await TestNetwork.RunAsync(host, "tc", ["qdisc", "del", "dev", NetworkHost.Interface, "root"]);
        }
    }

    private static Task<CommandResult> IsReadyAsync(NetworkHost from, IPAddress to) =>
        TestNetwork.RunAsync(from, "pg_isready", ["-h", to.ToString(), "-p", "5432", "-t", "3"]);

    private async Task WaitForPrimaryServiceAsync(NetworkHost host) =>
        await Eventually.HoldsAsync(
            async () => (await lab.Cluster.PsqlFromClientAsync(host, MultiHostCluster.PrimaryServicePort, "SELECT 1")).Succeeded,
            Bound,
            () => lab.Cluster.DescribeLogs());

    private static async Task<string> PidsAsync(string name) =>
        (await PgCommandRunner.RunAsync("ip", ["netns", "pids", name], Path.GetTempPath(), null, Bound, CancellationToken.None)).StandardOutput;
}
