using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Time.Testing;
using Pgway.Dns;

namespace Pgway.Tests.Dns;

/// <summary>
/// The server on a loopback port, asked with raw packets: the rate limit drops a source's queries past its burst (on
/// fake time, so none refill), junk is dropped and counted, a UDP answer too large is truncated while TCP carries it, and
/// TCP connections are bounded in all and per source.
/// </summary>
public sealed class DnsEndpointTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider time = new();
    private readonly DnsStats stats = new();
    private readonly LogLines lines = new();
    private readonly DnsEndpoint endpoint;
    private readonly IPEndPoint server;

    public DnsEndpointTests()
    {
        var many = new DnsClusterView("pg-test", ".pigsty", [IPAddress.Parse("10.0.0.1")], [("pg-test-1", IPAddress.Parse("10.0.0.1"))], [], [], [], [],
            [.. Enumerable.Range(1, 60).Select(i => new DnsEntryPoint($"pg-test-{i}", IPAddress.Parse($"fd00::{i}")))]);
        var zone = DnsZoneBuilder.Build([many]);
        server = new IPEndPoint(IPAddress.Loopback, FreePort());
        endpoint = DnsEndpoint.Start([server], DnsOptions.Default with { RatePerSecond = 5, Burst = 10, MaxTcpConnections = 2 }, () => zone, stats, time, lines);
    }

    [Fact]
    public async Task Udp_PastTheBurst_DroppedAndCountedNoRefillOnFakeTime()
    {
        using var client = new UdpClient(AddressFamily.InterNetwork);
        for (var id = 1; id <= 30; id++)
        {
            await client.SendAsync(Query((ushort)id, "pg-test.pigsty", RecordType.A), server);
        }

        var answered = new HashSet<ushort>();
        using (var wait = new CancellationTokenSource(Wait))
        {
            while (answered.Count < 10)
            {
                var reply = DnsMessage.Parse(new ArraySegment<byte>((await client.ReceiveAsync(wait.Token)).Buffer));
                answered.Add(reply.TransactionID);
            }
        }
        await WaitForAsync(() => Count(DnsResult.RateLimited) == 20);
        Assert.Equal(10, Count(DnsResult.Answer));
        Assert.Equal(0, client.Available);
    }

    [Fact]
    public async Task Udp_Junk_DroppedCountedNextQueryAnswered()
    {
        using var client = new UdpClient(AddressFamily.InterNetwork);
        await client.SendAsync(new byte[] { 0xde, 0xad, 0xbe, 0xef, 0x01 }, server);
        await client.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), server);
        await WaitForAsync(() => Count(DnsResult.Malformed) == 2);

        await client.SendAsync(Query(7, "pg-test-1.pigsty", RecordType.A), server);
        var reply = await ReceiveAsync(client);

        Assert.Equal(7, reply.TransactionID);
        Assert.Equal("10.0.0.1", Assert.IsType<ARecord>(Assert.Single(reply.AnswerRecords)).Address.ToString());
    }

    [Fact]
    public async Task LargeAnswer_TruncatedOverUdp_WholeOverTcp()
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        await udp.SendAsync(Query(1, "pg-test-entry.pigsty", RecordType.Aaaa), server);
        var truncated = await ReceiveAsync(udp);

        using var tcp = new TcpClient(AddressFamily.InterNetwork);
        var whole = (await AskTcpAsync(tcp, 2, "pg-test-entry.pigsty", RecordType.Aaaa))!;

        Assert.True(truncated.IsTruncated);
        Assert.InRange(truncated.AnswerRecords.Count, 1, DnsOptions.Default.MaxAnswers - 1);
        Assert.False(whole.IsTruncated);
        Assert.Equal(DnsOptions.Default.MaxAnswers, whole.AnswerRecords.Count);
    }

    // Two servers, or a server and a spoofed source, must not answer each other's answers forever.
    [Fact]
    public async Task Udp_ResponseSentToIt_DroppedUnansweredNextQueryAnswered()
    {
        using var client = new UdpClient(AddressFamily.InterNetwork);
        var response = Query(5, "pg-test-1.pigsty", RecordType.A);
        response[2] |= 0x80;
        await client.SendAsync(response, server);
        await WaitForAsync(() => Count(DnsResult.Malformed) == 1);

        await client.SendAsync(Query(6, "pg-test-1.pigsty", RecordType.A), server);
        var reply = await ReceiveAsync(client);

        Assert.Equal(6, reply.TransactionID);
        Assert.Equal(ReturnCode.NoError, reply.ReturnCode);
    }

    [Fact]
    public async Task Udp_UpdateOpcode_NotImplemented()
    {
        using var client = new UdpClient(AddressFamily.InterNetwork);
        var update = Query(8, "pigsty", RecordType.Soa);
        update[2] = 5 << 3;
        await client.SendAsync(update, server);
        var reply = await ReceiveAsync(client);

        Assert.Equal(8, reply.TransactionID);
        Assert.Equal(OperationCode.Update, reply.OperationCode);
        Assert.Equal(ReturnCode.NotImplemented, reply.ReturnCode);
        Assert.Equal(1, Count(DnsResult.NotImplemented));
    }

    // dig 'pg-test-1\.pigsty': one label holding a dot, a name outside every zone, not pg-test-1 under pigsty.
    [Fact]
    public async Task Udp_DotInsideALabel_RefusedNotTheTwoLabelName()
    {
        using var client = new UdpClient(AddressFamily.InterNetwork);
        var query = new List<byte> { 0, 9, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 16 };
        query.AddRange(Encoding.ASCII.GetBytes("pg-test-1.pigsty"));
        query.AddRange([0, 0, 1, 0, 1]);
        await client.SendAsync(query.ToArray(), server);
        var reply = await ReceiveAsync(client);

        Assert.Equal(9, reply.TransactionID);
        Assert.Equal(ReturnCode.Refused, reply.ReturnCode);
        Assert.Empty(reply.AnswerRecords);
    }

    // A connection flood must not take every descriptor: one past the limit is closed, and a slot frees when one ends.
    [Fact]
    public async Task Tcp_PastTheConnectionLimit_ClosedUntilOneEnds()
    {
        using var first = new TcpClient(AddressFamily.InterNetwork);
        using var second = new TcpClient(AddressFamily.InterNetwork);
        Assert.Equal(ReturnCode.NoError, (await AskTcpAsync(first, 1))!.ReturnCode);
        Assert.Equal(ReturnCode.NoError, (await AskTcpAsync(second, 2))!.ReturnCode);

        using (var third = new TcpClient(AddressFamily.InterNetwork))
        {
            Assert.Null(await AskTcpAsync(third, 3));
        }
        await WaitForAsync(() => Count(DnsResult.RateLimited) == 1);
        first.Dispose();

        using var wait = new CancellationTokenSource(Wait);
        while (true)
        {
            using var next = new TcpClient(AddressFamily.InterNetwork);
            if (await AskTcpAsync(next, 4) is { } reply)
            {
                Assert.Equal(4, reply.TransactionID);
                break;
            }
            await Task.Delay(10, wait.Token);
        }
    }

    // One client holding every slot locked every other resolver out: past its own share it is closed at once (and said
    // once in the log, not per connection), while another source is still served, and its slot frees when one ends.
    [Fact]
    public async Task Tcp_OneSourcePastItsCap_ClosedAtOnceOtherSourcesServed()
    {
        var zone = DnsZoneBuilder.Build([new DnsClusterView("pg-test", ".pigsty", [], [("pg-test-1", IPAddress.Parse("10.0.0.1"))], [], [], [], [], [])]);
        var port = new IPEndPoint(IPAddress.Loopback, FreePort());
        var own = new DnsStats();
        var log = new LogLines();
        // Idle connections are kept a minute: the test's connections stay open however slowly a loaded machine opens them.
        var options = DnsOptions.Default with { TcpTimeout = TimeSpan.FromMinutes(1) };
        using var dns = DnsEndpoint.Start([port], options, () => zone, own, time, log);
        var held = new List<TcpClient>();
        try
        {
            for (var i = 0; i < options.MaxTcpConnectionsPerSource; i++)
            {
                held.Add(new TcpClient(new IPEndPoint(IPAddress.Loopback, 0)));
                Assert.Equal(ReturnCode.NoError, (await AskTcpAsync(held[^1], (ushort)i, to: port))!.ReturnCode);
            }

            using (var past = new TcpClient(new IPEndPoint(IPAddress.Loopback, 0)))
            {
                Assert.Null(await AskTcpAsync(past, 100, to: port));
            }
            using (var other = new TcpClient(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0)))
            {
                Assert.Equal(101, (await AskTcpAsync(other, 101, to: port))!.TransactionID);
            }
            using (var past = new TcpClient(new IPEndPoint(IPAddress.Loopback, 0)))
            {
                Assert.Null(await AskTcpAsync(past, 102, to: port));
            }
            Assert.Equal(2, own.Read().Where(c => c.Result == DnsResults.Label(DnsResult.RateLimited)).Sum(c => c.Queries));
            Assert.Contains("127.0.0.1", Assert.Single(log.Texts), StringComparison.Ordinal);

            held[0].Dispose();
            using var wait = new CancellationTokenSource(Wait);
            while (true)
            {
                using var next = new TcpClient(new IPEndPoint(IPAddress.Loopback, 0));
                if (await AskTcpAsync(next, 103, to: port) is { } reply)
                {
                    Assert.Equal(103, reply.TransactionID);
                    break;
                }
                await Task.Delay(10, wait.Token);
            }
        }
        finally
        {
            foreach (var client in held)
            {
                client.Dispose();
            }
        }
    }

    // The library left the server's side of a finished TCP connection open (CLOSE-WAIT): a descriptor lost per connection.
    [Fact]
    public async Task Tcp_ClientClosesAfterItsAnswer_ServerClosesItsSide()
    {
        using var tcp = new TcpClient(AddressFamily.InterNetwork);
        Assert.Equal(ReturnCode.NoError, (await AskTcpAsync(tcp, 1))!.ReturnCode);

        var stream = tcp.GetStream();
        tcp.Client.Shutdown(SocketShutdown.Send);
        using var wait = new CancellationTokenSource(Wait);
        var read = await stream.ReadAsync(new byte[1], wait.Token);

        Assert.Equal(0, read);
    }

    // The answer over a new TCP connection; null when the server closes it instead.
    private async Task<DnsMessage?> AskTcpAsync(TcpClient tcp, ushort id, string name = "pg-test-1.pigsty", RecordType type = RecordType.A, IPEndPoint? to = null)
    {
        using var wait = new CancellationTokenSource(Wait);
        try
        {
            await tcp.ConnectAsync(to ?? server, wait.Token);
            var stream = tcp.GetStream();
            var query = Query(id, name, type);
            var framed = new byte[query.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
            query.CopyTo(framed, 2);
            await stream.WriteAsync(framed, wait.Token);
            var length = new byte[2];
            await stream.ReadExactlyAsync(length, wait.Token);
            var body = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
            await stream.ReadExactlyAsync(body, wait.Token);
            return DnsMessage.Parse(new ArraySegment<byte>(body));
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or SocketException)
        {
            return null;
        }
    }

    private static async Task<DnsMessage> ReceiveAsync(UdpClient client)
    {
        using var wait = new CancellationTokenSource(Wait);
        return DnsMessage.Parse(new ArraySegment<byte>((await client.ReceiveAsync(wait.Token)).Buffer));
    }

    private long Count(DnsResult result) => stats.Read().Where(c => c.Result == DnsResults.Label(result)).Sum(c => c.Queries);

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var wait = new CancellationTokenSource(Wait);
        while (!condition())
        {
            await Task.Delay(10, wait.Token);
        }
    }

    // A query as a stub resolver sends it: RD set, one question of class IN, no EDNS.
    private static byte[] Query(ushort id, string name, RecordType type)
    {
        var bytes = new List<byte>(64);
        bytes.AddRange([(byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
        foreach (var label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        bytes.AddRange([0, (byte)((int)type >> 8), (byte)type, 0, 1]);
        return [.. bytes];
    }

    // A port free for UDP and TCP now: the kernel's pick for one, checked for the other.
    private static int FreePort()
    {
        while (true)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken for TCP: another pick.
            }
        }
    }

    public void Dispose() => endpoint.Dispose();
}
