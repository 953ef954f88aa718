using System.Diagnostics;
using System.Net;
using Pgway.LocalPostgres;
using Pgway.Testing.Network;

namespace Pgway.Bench.Vip;

/// <summary>
/// The run: the lab's three hosts with both stacks side by side (pgway's VIP .2, vip-manager's .3, never the
/// same address), then the rounds. Each round hands the leadership between h1 and h2 the way Patroni would
/// after the old primary stops, and times, from the leader-key write, what a client on the segment sees.
/// </summary>
internal sealed class VipLab(MultiHostCluster cluster, BenchSettings settings, string work, Random random) : IDisposable
{
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(120);

    private readonly LeaderKey _key = new(cluster.Network, cluster.EtcdEndpoints[0]);
    private readonly Patroni _patroni = new(cluster, work);
    private readonly Dictionary<int, string> _macs = [];
    private ArpProbe? _arp;

    public async Task<List<RoundResult>> RunAsync(CancellationToken cancellationToken)
    {
        foreach (var member in cluster.Members)
        {
            _macs[member.Seq] = await Probes.MacOfAsync(member.Host, cancellationToken);

            // Each stack listens on its own VIP only, on every host, also where the VIP is not (yet).
            var sysctl = await TestNetwork.RunAsync(member.Host, "sysctl", ["-q", "-w", "net.ipv4.ip_nonlocal_bind=1"], null, null, cancellationToken);
            if (!sysctl.Succeeded)
            {
                throw new InvalidOperationException($"sysctl in {member.Host} failed: {sysctl.Describe()}");
            }
        }

        _arp = new ArpProbe(cluster.Network.Client, await Probes.MacOfAsync(cluster.Network.Client, cancellationToken));
        await using (var connection = new Npgsql.NpgsqlConnection(MultiHostCluster.SocketConnectionString(cluster.Primary, Pgway.Testing.PgTestUsers.TestDatabase)))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new Npgsql.NpgsqlCommand(Inventories.TableSql + "; GRANT ALL ON vip_writes, vip_writes_id_seq TO " + Pgway.Testing.PgTestUsers.Meta, connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        // Patroni's first leader: pg-test-1 on h1.
        await _key.PutAsync(cluster.Primary.Name, Stopwatch.StartNew(), cancellationToken);
        await Stacks.StartPgwayAsync(cluster, settings, work, cancellationToken);
        await Stacks.StartVipManagerAndHaproxyAsync(cluster, settings, work, cancellationToken);

        await using var pgwayRelay = new ClientRelay(cluster.Network.Client, new IPEndPoint(Inventories.PgwayVip, Inventories.PrimaryPort));
        await using var haproxyRelay = new ClientRelay(cluster.Network.Client, new IPEndPoint(Inventories.VipManagerVip, Inventories.PrimaryPort));
        var pgwayPath = Inventories.ConnectionString(pgwayRelay.Port, cluster.Credentials);
        var haproxyPath = Inventories.ConnectionString(haproxyRelay.Port, cluster.Credentials);

        var results = new List<RoundResult>();
        var leader = cluster.Member(1);
        for (var round = 1; round <= settings.Rounds; round++)
        {
            var next = cluster.Member(leader.Seq == 1 ? 2 : 1);
            await WaitReadyAsync(leader, pgwayPath, haproxyPath, cancellationToken);

            // The old primary goes and its leader key with it (a lease running out, or Patroni's demote).
            Bench.Say($"round {round}: stopping {leader.Name}, promoting {next.Name}");
            await _patroni.StopAsync(leader, cancellationToken);
            await _key.DeleteAsync(cancellationToken);
            await WaitReleasedAsync(leader, cancellationToken);
            await _patroni.PromoteAsync(next, cancellationToken);

            // vip-manager 1.0.2 reads the key once per interval, and its processes started together, so the write would
            // otherwise land at the same point of their cycle every round (just after the old host's read that saw the
            // key go): a random offset spreads it over the cycle as a real failure would.
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(settings.VipManagerInterval)), cancellationToken);

            var clock = Stopwatch.StartNew();
            var acks = _key.PutAsync(next.Name, clock, cancellationToken);
            var mac = _macs[next.Seq];
            var arp = _arp.RunAsync(new Dictionary<IPAddress, string> { [Inventories.PgwayVip] = mac, [Inventories.VipManagerVip] = mac }, clock, settings.ProbeInterval, settings.ProbeTimeout, cancellationToken);
            var pgway = Measure(Inventories.PgwayVip, mac, pgwayPath, next, "pgway", clock, cancellationToken);
            var vipManager = Measure(Inventories.VipManagerVip, mac, haproxyPath, next, "vip-manager", clock, cancellationToken);
            var (v3, v2) = await acks;
            var arps = await arp;
            var result = new RoundResult(round, leader.Name, next.Name, v3, v2, (await pgway) with { Arp = arps[Inventories.PgwayVip] }, (await vipManager) with { Arp = arps[Inventories.VipManagerVip] });
            results.Add(result);
            Bench.Say($"round {round}: pgway arp/tcp/write {Times(result.Pgway)} ms; vip-manager {Times(result.VipManager)} ms (etcd acks v3 {result.V3Ack.TotalMilliseconds:0} v2 {result.V2Ack.TotalMilliseconds:0} ms)");

            await _patroni.RejoinAsync(leader, next, cancellationToken);
            leader = next;
        }

        return results;
    }

    public void Dispose()
    {
        _key.Dispose();
        _arp?.Dispose();
    }

    private static string Times(StackTimes times) =>
        string.Join('/', new[] { times.Arp, times.Tcp, times.Write }.Select(time => time is { } t ? t.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture) : "timeout"));

    private async Task<StackTimes> Measure(IPAddress vip, string mac, string path, MultiHostMember next, string stack, Stopwatch clock, CancellationToken cancellationToken)
    {
        var tcp = Probes.TcpAsync(cluster.Network, vip, Inventories.PrimaryPort, mac, clock, settings, cancellationToken);
        var write = Probes.WriteAsync(path, next.Host.Address, stack, clock, settings, cancellationToken);
        return new StackTimes(null, await tcp, await write);
    }

    /// <summary>Both VIPs answer from the leader's MAC and a write through each commits on it.</summary>
    private async Task WaitReadyAsync(MultiHostMember leader, string pgwayPath, string haproxyPath, CancellationToken cancellationToken)
    {
        var mac = _macs[leader.Seq];
        var ready = new BenchSettings
        {
            PgwayBinary = settings.PgwayBinary,
            HaproxyBinary = settings.HaproxyBinary,
            VipManagerBinary = settings.VipManagerBinary,
            ProbeTimeout = s_readyTimeout,
            ProbeInterval = TimeSpan.FromMilliseconds(100),
        };
        var clock = Stopwatch.StartNew();
        foreach (var (vip, path, stack) in new[] { (Inventories.PgwayVip, pgwayPath, "pgway"), (Inventories.VipManagerVip, haproxyPath, "vip-manager") })
        {
            var arp = await _arp!.RunAsync(new Dictionary<IPAddress, string> { [vip] = mac }, clock, ready.ProbeInterval, ready.ProbeTimeout, cancellationToken);
            if (arp[vip] is null
                || await Probes.WriteAsync(path, leader.Host.Address, "ready", clock, ready, cancellationToken) is null)
            {
                throw new TimeoutException($"{stack}'s VIP {vip} did not take writes on {leader.Name} within {s_readyTimeout.TotalSeconds:0} s; logs under the host directories of {work}");
            }
        }
    }

    /// <summary>Neither VIP is on the old leader's host any more (both managers saw the key go).</summary>
    private static async Task WaitReleasedAsync(MultiHostMember leader, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        string addresses;
        while ((addresses = await Probes.AddressesAsync(leader.Host, cancellationToken)).Contains($" {Inventories.PgwayVip}/", StringComparison.Ordinal)
            || addresses.Contains($" {Inventories.VipManagerVip}/", StringComparison.Ordinal))
        {
            if (deadline.Elapsed > s_readyTimeout)
            {
                throw new TimeoutException($"{leader.Host} still holds a VIP {s_readyTimeout.TotalSeconds:0} s after its leader key went:\n{addresses}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }
}
