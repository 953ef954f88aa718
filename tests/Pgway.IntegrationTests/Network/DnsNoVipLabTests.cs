using System.Net;
using Pgway.IntegrationTests.Dns;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;
using Pgway.Testing.Network;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Network;

/// <summary>
/// Issue 22's failover measurements, on the lab without a VIP: after the primary's host is killed, how long after
/// pgway's routing change (its primary service taking the new primary, as its log line stamps it) the cluster's name
/// and the primary name answer the new primary; and, in the same run, a static record as Pigsty's infra dnsmasq holds
/// it (<c>/infra/hosts/&lt;cluster&gt;</c>: the primary's address, written at provisioning) still answering the dead
/// primary. The client namespace asks both.
/// </summary>
[Collection(PatroniNoVipLab.Name)]
public sealed class DnsNoVipLabTests(PatroniNoVipLabFixture lab, ITestOutputHelper output)
{
    private const int DnsmasqPort = 5353;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    private MultiHostCluster Cluster => lab.Cluster;

    [NetworkFact]
    public async Task Crash_PrimaryHostKilled_NamesFollowTheRoutingChange_StaticRecordKeepsTheDeadPrimary()
    {
        var old = await Cluster.WaitUntilPatroniHealthyAsync();
        var survivor = Cluster.Members.First(m => m != old);
        var oldAddress = old.Host.Address.ToString();
        using var dns = NetnsSocket.RunIn(Cluster.Network.Client, DnsAsker.Create);
        using var primaryDns = NetnsSocket.RunIn(Cluster.Network.Client, DnsAsker.Create);
        var pgway = new IPEndPoint(survivor.Host.Address, 53);
        var dnsmasq = new IPEndPoint(Cluster.Network.Client.Address, DnsmasqPort);
        // In the lab's directory: the network keeps dnsmasq's PID file there until the lab is torn down.
        var directory = Path.Combine(Path.GetDirectoryName(Cluster.InventoryPath)!, "dnsmasq");
        Directory.CreateDirectory(directory);
        var hosts = Path.Combine(directory, "pg-test");
        // What Pigsty's pg_dns writes into /infra/hosts/<cluster> without a VIP: the primary's address, once.
        await File.WriteAllTextAsync(hosts, $"{oldAddress} {MultiHostCluster.ClusterName}\n");
        var server = Cluster.Network.Start(Cluster.Network.Client, "dnsmasq", directory, "/usr/sbin/dnsmasq",
        [
            "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--pid-file=", "--local-ttl=0",
            $"--addn-hosts={hosts}", $"--port={DnsmasqPort}", $"--listen-address={Cluster.Network.Client.Address}", "--bind-interfaces",
        ], hosts);
        try
        {
            await Eventually.HoldsAsync(async () => await dns.AddressesAsync(dnsmasq, "pg-test") == oldAddress, Bound, () => Pgway.LocalPostgres.LogTail.Read(Path.Combine(directory, "dnsmasq.log"), 20));
            await Eventually.HoldsAsync(async () => await dns.AddressesAsync(pgway, "pg-test") == oldAddress && await dns.AddressesAsync(pgway, "primary.pg-test") == oldAddress, Bound);

            var killed = DateTime.Now.TimeOfDay;
            await Cluster.KillHostAsync(old);
            try
            {
                bool IsNew(string answer) => answer.Length > 0 && answer != oldAddress && !answer.Contains(' ', StringComparison.Ordinal);
                var clusterName = ChangeWatch.WaitAsync(() => dns.AddressesAsync(pgway, "pg-test"), IsNew, Bound);
                var primaryName = ChangeWatch.WaitAsync(() => primaryDns.AddressesAsync(pgway, "primary.pg-test"), IsNew, Bound);
                var (cluster, primary) = (await clusterName, await primaryName);
                var leader = await Cluster.WaitForLeaderAsync(not: old, timeout: Bound);
                Assert.Equal(leader.Host.Address.ToString(), cluster.Answer);
                Assert.Equal(cluster.Answer, primary.Answer);

                // pgway's routing change: its primary service marks the new primary UP, as its log line stamps it.
                var marker = $"pg-test-primary/{leader.Name} is UP";
                TimeSpan? routed = null;
                await Eventually.HoldsAsync(() => (routed = ChangeWatch.LoggedAt(ReadShared(survivor.PgwayLogPath), marker, killed)) is not null, Bound, () => $"no \"{marker}\" in {survivor.Name}'s pgway log:\n{Pgway.LocalPostgres.LogTail.Read(survivor.PgwayLogPath, 40)}");
                output.WriteLine($"crash of {old.Host.Name}: {survivor.Name}'s pgway routes its primary service to {leader.Name} at {routed:hh\\:mm\\:ss\\.fff}, {ChangeWatch.Since(killed, routed!.Value).TotalMilliseconds:0} ms after the kill");
                output.WriteLine($"pg-test answers {cluster.DescribeAfter(routed.Value)}");
                output.WriteLine($"primary.pg-test answers {primary.DescribeAfter(routed.Value)}");

                // The static record, asked in the same run after the failover: still the dead primary.
                var stale = await dns.AddressesAsync(dnsmasq, "pg-test");
                output.WriteLine($"dnsmasq's static pg-test answers {stale} (dead) while pgway's answers {cluster.Answer}");
                Assert.Equal(oldAddress, stale);

                // The name moved with the routing: not before it (a thread switch between the change and its log line
                // aside), and soon after; the bound is generous for a loaded machine, the figures above are what it took.
                Assert.InRange(ChangeWatch.Since(routed.Value, cluster.FirstAfter), TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(5));
                Assert.InRange(ChangeWatch.Since(routed.Value, primary.FirstAfter), TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(5));
            }
            finally
            {
                await Cluster.StartHostAsync(old);
            }
            await Cluster.WaitUntilPatroniHealthyAsync(TimeSpan.FromSeconds(60));
            await Cluster.WaitForPrimaryServiceAsync(old.Host);
        }
        finally
        {
            // Stopped by its PID; the network, which tracks it, releases it with the lab.
            await server.StopAsync(TimeSpan.FromSeconds(5));
        }
    }

    // The whole log, which pgway is still appending to.
    private static string ReadShared(string path)
    {
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        return reader.ReadToEnd();
    }
}
