using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Pgway.Routing;
using Pgway.Transport;

namespace Pgway.Tests.Routing;

/// <summary>The start of an L4 session: the client's first packet, and the member's first answer awaited for a bounded time.</summary>
public sealed class StartupExchangeTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly EpollLoopGroup loops = new(1, TimeProvider.System);

    public void Dispose() => loops.Dispose();

    public static TheoryData<byte[], int> Packets => new()
    {
        { [], 0 },
        { [0, 0, 0], 0 },
        { [0, 0, 0, 8, 4, 210, 22, 47], 8 },                // SSLRequest
        { [0, 0, 0, 16, 4, 210, 22, 46], 16 },              // CancelRequest, header only
        { [0, 0, 0, 7], -1 },                               // shorter than a header
        { [0, 0, 39, 17], -1 },                             // 10,001 bytes: longer than PostgreSQL allows
        { "GET / HTTP/1.1\r\n"u8.ToArray(), -1 },           // not PostgreSQL: passed on as it came
        { [0x16, 3, 1, 0, 200], -1 },                       // a TLS ClientHello (direct TLS)
    };

    [Theory]
    [MemberData(nameof(Packets))]
    public void Needed_FirstBytes_LengthOrNotAPacket(byte[] received, int expected) =>
        Assert.Equal(expected, StartupExchange.Needed(received));

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 16, 4, 210, 22, 46, 0, 0, 0, 1, 0, 0, 0, 2 }, true)]
    [InlineData(new byte[] { 0, 0, 0, 16, 4, 210, 22, 47, 0, 0, 0, 1, 0, 0, 0, 2 }, false)]
    [InlineData(new byte[] { 0, 0, 0, 8, 4, 210, 22, 46 }, false)]
    public void IsCancelRequest_Packet(byte[] packet, bool expected) =>
        Assert.Equal(expected, StartupExchange.IsCancelRequest(packet));

    [Fact]
    public async Task ReadFirstPacket_SentInPieces_ReadWhole()
    {
        using var pair = await SocketPair.CreateAsync(loops);
        var reading = StartupExchange.ReadFirstPacketAsync(loops, pair.Front, Bound, TimeProvider.System, CancellationToken.None);
        await pair.Client.SendAsync(new byte[] { 0, 0, 0, 16, 4, 210 });
        await pair.Client.SendAsync(new byte[] { 22, 46, 0, 0, 0, 1, 0, 0, 0, 2 });

        var packet = await reading.WaitAsync(Bound);

        Assert.True(StartupExchange.IsCancelRequest(packet));
    }

    [Fact]
    public async Task ReadFirstPacket_ClientSilent_NullWhenTheTimeIsUp()
    {
        var time = new FakeTimeProvider();
        using var pair = await SocketPair.CreateAsync(loops);
        var reading = StartupExchange.ReadFirstPacketAsync(loops, pair.Front, TimeSpan.FromSeconds(15), time, CancellationToken.None);
        Assert.False(reading.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(15));

        Assert.Null(await reading.WaitAsync(Bound));
    }

    [Fact]
    public async Task RelayFirstAnswer_MemberSilent_NoAnswerAndNothingReachesTheClient()
    {
        var time = new FakeTimeProvider();
        using var pair = await SocketPair.CreateAsync(loops);
        var relaying = StartupExchange.RelayFirstAnswerAsync(loops, pair.Front, pair.Back, new byte[] { 0, 0, 0, 8, 4, 210, 22, 47 }, TimeSpan.FromSeconds(3), time, CancellationToken.None);
        var received = new byte[8];
        Assert.Equal(8, await ReceiveAllAsync(pair.Backend, received));
        Assert.False(relaying.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal((FirstAnswer.NoAnswer, 0), await relaying.WaitAsync(Bound));
        Assert.Equal(0, pair.Client.Available);
    }

    [Fact]
    public async Task RelayFirstAnswer_MemberCloses_Closed()
    {
        using var pair = await SocketPair.CreateAsync(loops);
        var relaying = StartupExchange.RelayFirstAnswerAsync(loops, pair.Front, pair.Back, new byte[] { 0, 0, 0, 8, 4, 210, 22, 47 }, Bound, TimeProvider.System, CancellationToken.None);
        pair.Backend.Shutdown(SocketShutdown.Send);

        Assert.Equal(FirstAnswer.Closed, (await relaying.WaitAsync(Bound)).Outcome);
    }

    [Fact]
    public async Task RelayFirstAnswer_MemberAnswers_PassedOnAndTheSpliceTakesOver()
    {
        using var pair = await SocketPair.CreateAsync(loops);
        var relaying = StartupExchange.RelayFirstAnswerAsync(loops, pair.Front, pair.Back, new byte[] { 0, 0, 0, 8, 4, 210, 22, 47 }, Bound, TimeProvider.System, CancellationToken.None);
        await ReceiveAllAsync(pair.Backend, new byte[8]);
        await pair.Backend.SendAsync("N"u8.ToArray());

        Assert.Equal((FirstAnswer.Answered, 1), await relaying.WaitAsync(Bound));
        var answer = new byte[1];
        await ReceiveAllAsync(pair.Client, answer);
        Assert.Equal((byte)'N', answer[0]);

        using var stop = new CancellationTokenSource();
        var splice = Splice.RunAsync(loops, pair.Front, pair.Back, new SpliceCounters(), stop.Token);
        await pair.Client.SendAsync("ping"u8.ToArray());
        var ping = new byte[4];
        await ReceiveAllAsync(pair.Backend, ping);
        await pair.Backend.SendAsync("pong"u8.ToArray());
        var pong = new byte[4];
        await ReceiveAllAsync(pair.Client, pong);
        await stop.CancelAsync();
        await splice.WaitAsync(Bound);

        Assert.Equal("ping"u8.ToArray(), ping);
        Assert.Equal("pong"u8.ToArray(), pong);
    }

    private static async Task<int> ReceiveAllAsync(Socket socket, byte[] buffer)
    {
        using var timeout = new CancellationTokenSource(Bound);
        var have = 0;
        while (have < buffer.Length)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                break;
            }
            have += read;
        }
        return have;
    }

    // client ⇄ front [pgway] back ⇄ backend, on loopback.
    private sealed class SocketPair(Socket client, Socket front, Socket back, Socket backend) : IDisposable
    {
        public Socket Client => client;

        public Socket Front => front;

        public Socket Back => back;

        public Socket Backend => backend;

        public static async Task<SocketPair> CreateAsync(EpollLoopGroup loops)
        {
            using var frontListener = new TcpListener(IPAddress.Loopback, 0);
            using var backListener = new TcpListener(IPAddress.Loopback, 0);
            frontListener.Start();
            backListener.Start();
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync((IPEndPoint)frontListener.LocalEndpoint);
            var front = await frontListener.AcceptSocketAsync();
            var back = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await Splice.ConnectAsync(loops, back, (IPEndPoint)backListener.LocalEndpoint, CancellationToken.None);
            var backend = await backListener.AcceptSocketAsync();
            return new SocketPair(client, front, back, backend);
        }

        public void Dispose()
        {
            client.Dispose();
            front.Dispose();
            back.Dispose();
            backend.Dispose();
        }
    }
}
