using System.Net;
using System.Net.Sockets;
using Pgway.Transport;

namespace Pgway.Tests.Transport;

/// <summary>Coroutines on an epoll loop: awaits of loop sockets resume on the loop's own thread.</summary>
public sealed class LoopSocketTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly EpollLoopGroup loops = new(1, TimeProvider.System);
    private readonly EpollLoop loop;
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);

    public LoopSocketTests()
    {
        loop = loops.Next();
        listener.Start();
    }

    public void Dispose()
    {
        listener.Dispose();
        loops.Dispose();
    }

    [Fact]
    public async Task Echo_BulkBothWays_EveryByteBackAndNoThreadHop()
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        var accepted = await listener.AcceptSocketAsync();
        var payload = new byte[2 * 1024 * 1024];
        new Random(7).NextBytes(payload);

        var echo = loop.RunAsync(async () =>
        {
            using var socket = LoopSocket.Attach(loop, accepted);
            var threads = new HashSet<int>();
            var buffer = new byte[16 * 1024];
            var total = 0;
            while (true)
            {
                threads.Add(Environment.CurrentManagedThreadId);
                var read = socket.TryReceive(buffer);
                if (read < 0)
                {
                    await socket.WaitReadableAsync();
                    continue;
                }
                if (read == 0)
                {
                    socket.ShutdownSend();
                    return (total, threads.Count, loop.IsCurrent);
                }
                total += read;
                await socket.SendAsync(buffer.AsMemory(0, read));
            }
        });
        var sending = Task.Run(async () =>
        {
            await client.SendAsync(payload);
            client.Shutdown(SocketShutdown.Send);
        });
        using var received = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int n;
        while ((n = await client.ReceiveAsync(chunk, SocketFlags.None).WaitAsync(Bound)) > 0)
        {
            received.Write(chunk, 0, n);
        }
        await sending.WaitAsync(Bound);
        var (echoed, threadCount, onLoop) = await echo.WaitAsync(Bound);

        Assert.Equal(payload, received.ToArray());
        Assert.Equal(payload.Length, echoed);
        Assert.Equal(1, threadCount);
        Assert.True(onLoop);
    }

    [Fact]
    public async Task Receive_PeerResets_Throws()
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        var accepted = await listener.AcceptSocketAsync();

        var reading = loop.RunAsync(async () =>
        {
            using var socket = LoopSocket.Attach(loop, accepted);
            var buffer = new byte[16];
            while (true)
            {
                try
                {
                    if (socket.TryReceive(buffer) >= 0)
                    {
                        return SocketError.Success;
                    }
                }
                catch (SocketException e)
                {
                    return e.SocketErrorCode;
                }
                await socket.WaitReadableAsync();
            }
        });
        client.LingerState = new LingerOption(true, 0);
        client.Close();

        Assert.Equal(SocketError.ConnectionReset, await reading.WaitAsync(Bound));
    }

    [Fact]
    public async Task Receive_BytesAndEndReportedTogether_ShortReadThenEndOfStream()
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        var accepted = await listener.AcceptSocketAsync();
        // Bytes then the end of stream, both there before the loop looks: one edge reports both.
        await client.SendAsync("last words"u8.ToArray());
        client.Shutdown(SocketShutdown.Send);
        await WaitUntilAsync(() => accepted.Available == 10);

        var reading = loop.RunAsync(async () =>
        {
            using var socket = LoopSocket.Attach(loop, accepted);
            await socket.WaitReadableAsync();
            var buffer = new byte[1024];
            var first = socket.TryReceive(buffer);
            // A short read, yet not "drained": recv stops at the end of stream, which no new event announces.
            int next;
            while ((next = socket.TryReceive(buffer)) < 0)
            {
                await socket.WaitReadableAsync();
            }
            return (first, next);
        });

        Assert.Equal((10, 0), await reading.WaitAsync(Bound));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task GroupDisposed_SocketStillRegistered_ServedToItsEndThenTheLoopThreadStops()
    {
        var own = new EpollLoopGroup(1, TimeProvider.System);
        var ownLoop = own.Next();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        using var accepted = await listener.AcceptSocketAsync();
        var (socket, thread) = await ownLoop.RunAsync(() => Task.FromResult((LoopSocket.Attach(ownLoop, accepted), Thread.CurrentThread))).WaitAsync(Bound);

        own.Dispose();
        await client.SendAsync(new byte[] { 42 });
        var read = await ownLoop.RunAsync(async () =>
        {
            var buffer = new byte[1];
            int got;
            while ((got = socket.TryReceive(buffer)) < 0)
            {
                await socket.WaitReadableAsync();
            }
            return got;
        }).WaitAsync(Bound);
        Assert.Equal(1, read);
        Assert.True(thread.IsAlive);

        await ownLoop.RunAsync(() =>
        {
            socket.Dispose();
            return Task.FromResult(0);
        }).WaitAsync(Bound);

        Assert.True(await Task.Run(() => thread.Join(Bound)));
    }

    [Fact]
    public async Task Disposed_NumberGivenToAnotherConnection_SendReceiveAndShutdownThrowAndReachNothing()
    {
        // A late write on a closed session's socket (a timeout's error, after the session ended inline)
        // went to the descriptor number, which the kernel gives to the next socket opened.
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        var accepted = await listener.AcceptSocketAsync();
        var number = (int)accepted.SafeHandle.DangerousGetHandle();
        var socket = await loop.RunAsync(() =>
        {
            var attached = LoopSocket.Attach(loop, accepted);
            attached.Dispose();
            return Task.FromResult(attached);
        }).WaitAsync(Bound);
        // Opened after: the lowest free number, most likely the one just closed. Had a stray send reached
        // it, its peer would read it.
        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await other.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        using var otherPeer = await listener.AcceptSocketAsync();

        var (send, receive, shutdown) = await loop.RunAsync(async () =>
        {
            var sent = await Record.ExceptionAsync(async () => await socket.SendAsync("stray"u8.ToArray()));
            return (sent, Record.Exception(() => socket.TryReceive(new byte[1])), Record.Exception(socket.ShutdownSend));
        }).WaitAsync(Bound);

        Assert.IsType<ObjectDisposedException>(send);
        Assert.IsType<ObjectDisposedException>(receive);
        Assert.IsType<ObjectDisposedException>(shutdown);
        if ((int)other.SafeHandle.DangerousGetHandle() == number)
        {
            // Loopback delivers within the send: anything sent would be there.
            Assert.Equal(0, otherPeer.Available);
        }
    }
}
