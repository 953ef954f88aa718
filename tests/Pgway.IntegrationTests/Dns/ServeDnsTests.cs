using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Pgway.Cli;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Dns;

/// <summary>
/// `pgway serve` hosting both nodes of a real cluster answers DNS on each node's address (UDP and TCP, asked with
/// dig), and the answers follow the routing: a stopped replica leaves the replica name, a promotion moves the
/// cluster's name. Each zone's NS names both nodes, each name resolving to its node, the SOA's MNAME one of them; one
/// source past its share of TCP connections is closed while another is answered.
/// </summary>
public sealed class ServeDnsTests(ITestOutputHelper output) : FreshPgTestClusterPerTest(PgTestClusterOptions.PrimaryAndReplica), IDisposable
{
    private const int Port = 8600;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly string file = Path.Combine(Path.GetTempPath(), $"pgway-dns-{Guid.NewGuid():N}.yml");

    [Fact]
    public async Task Serve_Dns_AnswersFromTheLiveRoutingOnEveryNode()
    {
        var (primary, replica) = (Cluster.Primary, Cluster.Instance(2));
        var (p, r) = (primary.Address.ToString(), replica.Address.ToString());
        const string options = "inter 500ms fastinter 500ms downinter 500ms rise 1 fall 1";
        await File.WriteAllTextAsync(file, Cluster.ToInventoryYaml([
            new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
            new("pg_dns_suffix", "'.pigsty'"),
            new("pg_default_services",
                $"[{{name: primary, port: 5433, ip: '{r}', dest: postgres, selector: '[]', check: /primary, options: '{options}'}}, " +
                $"{{name: replica, port: 5434, ip: '{r}', dest: postgres, selector: '[]', backup: '[? pg_role == `primary` ]', check: /read-only, options: '{options}'}}]"),
        ]));
        using var stop = new CancellationTokenSource();
        var printed = new StringWriter();
        var writer = TextWriter.Synchronized(printed);
        var serve = Task.Run(() => PgwayCommand.RunAsync(["serve", "-c", file, "--node", p, "--node", r, "--no-vip"], CliContext.ForWriters(writer, writer), stop.Token));
        try
        {
            // Members start up, as HAProxy's do, until their first checks: wait for both services to settle.
            await Eventually.HoldsAsync(async () => await AddressesAsync(p, "replica.pg-test.pigsty") == r && await AddressesAsync(p, "pg-test.pigsty") == p, Wait, () => printed.ToString());
            foreach (var server in (string[])[p, r])
            {
                foreach (var tcp in (bool[])[false, true])
                {
                    Assert.Equal(p, await AddressesAsync(server, "pg-test.pigsty", tcp: tcp));
                    Assert.Equal(p, await AddressesAsync(server, "PRIMARY.pg-test.PIGSTY", tcp: tcp));
                    Assert.Equal(r, await AddressesAsync(server, "replica.pg-test.pigsty", tcp: tcp));
                    Assert.Equal(r, await AddressesAsync(server, "pg-test-2.pigsty", tcp: tcp));
                    Assert.Equal(Sorted(p, r), await AddressesAsync(server, "pg-test-entry.pigsty", tcp: tcp));
                    Assert.Equal(p, await AddressesAsync(server, "primary.pg-test.service.consul", tcp: tcp));
                    Assert.Equal(r, await AddressesAsync(server, "replica.pg-test.service.consul", tcp: tcp));
                    Assert.Equal(Sorted(p, r), await AddressesAsync(server, "pg-test.service.consul", tcp: tcp));
                }
                var srv = await DigAsync(server, "_primary._tcp.pg-test.pigsty", "SRV");
                Assert.Equal(["0 1 5433 pg-test-1.pigsty.", "0 1 5433 pg-test-2.pigsty."], srv.Answers);
                var missing = await DigAsync(server, "nope.pg-test.pigsty", "A");
                Assert.Equal("NXDOMAIN", missing.Status);
                Assert.True(missing.Authoritative);
                Assert.Equal("REFUSED", (await DigAsync(server, "example.com", "A")).Status);

                // Both nodes serve every zone, named alike by each (the label is the node's address).
                foreach (var zone in (string[])["pg-test.pigsty", "pigsty", "service.consul"])
                {
                    var names = Sorted($"{p.Replace('.', '-')}.ns.{zone}.", $"{r.Replace('.', '-')}.ns.{zone}.");
                    var ns = await DigAsync(server, zone, "NS");
                    Assert.True(ns.Authoritative);
                    Assert.Equal(names, Sorted([.. ns.Answers]));
                    foreach (var (name, address) in ((string, string)[])[($"{p.Replace('.', '-')}.ns.{zone}", p), ($"{r.Replace('.', '-')}.ns.{zone}", r)])
                    {
                        Assert.Equal(address, await AddressesAsync(server, name));
                    }
                    var mname = Assert.Single((await DigAsync(server, zone, "SOA")).Answers).Split(' ')[0];
                    Assert.Contains(mname, names.Split(','));
                }
            }

            // Junk on the port is dropped without harm: the next query is answered.
            using (var junk = new UdpClient())
            {
                await junk.SendAsync(new byte[] { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3 }, new IPEndPoint(primary.Address, Port));
                await junk.SendAsync(new byte[300], new IPEndPoint(primary.Address, Port));
            }
            Assert.Equal(p, await AddressesAsync(p, "pg-test.pigsty"));

            // The replica stops: its name falls back to the backup, as the replica service does.
            await Cluster.StopAsync(replica);
            await Eventually.HoldsAsync(async () => await AddressesAsync(p, "replica.pg-test.pigsty") == p, Wait, () => printed.ToString());
            Assert.Equal(p, await AddressesAsync(r, "replica.pg-test.pigsty"));
            Assert.Equal("", await AddressesAsync(p, "replica.pg-test.service.consul"));

            await Cluster.StartAsync(replica);
            await Eventually.HoldsAsync(async () => await AddressesAsync(p, "replica.pg-test.pigsty") == r, Wait, () => printed.ToString());

            // The primary stops and the replica is promoted: the cluster's name follows.
            await Cluster.StopAsync(primary);
            await Cluster.PromoteAsync(replica);
            var promoted = Stopwatch.StartNew();
            await Eventually.HoldsAsync(async () => await AddressesAsync(r, "pg-test.pigsty") == r, Wait, () => printed.ToString());
            output.WriteLine($"pg-test.pigsty named the new primary {promoted.ElapsedMilliseconds} ms after the promotion (checks every 500 ms)");
            Assert.Equal(r, await AddressesAsync(r, "primary.pg-test.service.consul"));
            Assert.Equal(r, await AddressesAsync(p, "pg-test.pigsty", tcp: true));

            await AssertTcpPerSourceCapAsync(new IPEndPoint(primary.Address, Port));
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await serve);
        Assert.Contains($"{p}:{Port}", printed.ToString(), StringComparison.Ordinal);
    }

    // One source holding its 16 TCP connections: the 17th is closed at once, another source is still answered. A round
    // slower than the server's 5 s idle timeout proves nothing (a held connection may have been closed, freeing a slot):
    // another round from new sources, so none waits for the last round's connections to be released.
    private async Task AssertTcpPerSourceCapAsync(IPEndPoint server)
    {
        const int PerSource = 16;
        for (var round = 1; round <= 5; round++)
        {
            var source = IPAddress.Parse($"127.0.{200 + round}.1");
            var other = IPAddress.Parse($"127.0.{200 + round}.2");
            var started = Stopwatch.StartNew();
            var held = await Task.WhenAll(Enumerable.Range(0, PerSource).Select(i => DnsTcpAsker.AskAsync(source, server, (ushort)(1000 + i), "pg-test.pigsty")));
            var past = await DnsTcpAsker.AskAsync(source, server, 2000, "pg-test.pigsty");
            var elsewhere = await DnsTcpAsker.AskAsync(other, server, 2001, "pg-test.pigsty");
            var elapsed = started.Elapsed;
            foreach (var connection in held.Append(past).Append(elsewhere))
            {
                connection.Connection.Dispose();
            }
            if (elapsed < TimeSpan.FromSeconds(4))
            {
                Assert.All(held, h => Assert.True(h.Answered));
                Assert.False(past.Answered, $"connection {PerSource + 1} from one source was answered");
                Assert.True(elsewhere.Answered);
                return;
            }
            output.WriteLine($"round {round} took {elapsed.TotalSeconds:0.0} s, past the idle timeout: again");
        }
        Assert.Fail("every round took longer than the server's idle timeout");
    }

    private static string Sorted(params string[] addresses) => string.Join(',', addresses.Order(StringComparer.Ordinal));

    // The A records' addresses, sorted and joined ("" for none).
    private static async Task<string> AddressesAsync(string server, string name, bool tcp = false)
    {
        var reply = await DigAsync(server, name, "A", tcp);
        return string.Join(',', reply.Answers.Order(StringComparer.Ordinal));
    }

    private static async Task<DigReply> DigAsync(string server, string name, string type, bool tcp = false)
    {
        var start = new ProcessStartInfo("dig") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[$"@{server}", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "+tries=1", "+time=5", "+noall", "+comments", "+answer", tcp ? "+tcp" : "+notcp", name, type])
        {
            start.ArgumentList.Add(argument);
        }
        using var dig = Process.Start(start)!;
        var text = await dig.StandardOutput.ReadToEndAsync();
        await dig.WaitForExitAsync();
        var status = text.Split("status: ", 2) is [_, var rest] ? rest.Split(',')[0] : "no answer";
        var flags = text.Split("flags: ", 2) is [_, var f] ? f.Split(';')[0] : "";
        var answers = text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith(';')).Select(l => string.Join(' ', l.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Skip(4))).ToList();
        return new DigReply(status, flags.Split(' ').Contains("aa"), answers);
    }

    private sealed record DigReply(string Status, bool Authoritative, List<string> Answers);

    public void Dispose() => File.Delete(file);
}
