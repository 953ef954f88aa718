using System.Net;
using System.Net.Sockets;
using System.Text;
using Pgway.Transport;

namespace Pgway.Tests.Transport;

/// <summary>The L4 splice between real loopback sockets: client ⇄ [splice] ⇄ backend, for each engine.</summary>
public abstract class SpliceTests : IAsyncLifetime, IDisposable
{
    protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly SpliceCounters counters = new();
    private readonly CancellationTokenSource stop = new();
    private Socket client = null!;   // the test's client
    private Socket backend = null!;  // the test's server side
    private Socket front = null!;    // the splice's client-facing socket
    private Socket back = null!;     // the splice's server-facing socket
    private Task<SpliceEnd> splice = null!;

    public async Task InitializeAsync()
    {
        using var frontListener = new TcpListener(IPAddress.Loopback, 0);
        using var backListener = new TcpListener(IPAddress.Loopback, 0);
        frontListener.Start();
        backListener.Start();
        client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync((IPEndPoint)frontListener.LocalEndpoint);
        front = await frontListener.AcceptSocketAsync();
        back = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await ConnectAsync(back, (IPEndPoint)backListener.LocalEndpoint);
        backend = await backListener.AcceptSocketAsync();
        splice = RunAsync(front, back, counters, stop.Token);
    }

    protected abstract Task ConnectAsync(Socket socket, IPEndPoint endPoint);

    private protected abstract Task<SpliceEnd> RunAsync(Socket client, Socket server, SpliceCounters counters, CancellationToken cancellationToken);

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        GC.SuppressFinalize(this);
        foreach (var socket in new[] { client, backend, front, back })
        {
            socket?.Dispose();
        }
        stop.Dispose();
        DisposeEngine();
    }

    /// <summary>Stops what the engine under test runs on, after the sockets are closed.</summary>
    protected virtual void DisposeEngine()
    {
    }

    [Fact]
    public async Task Run_BulkBothWays_EveryByteArrivesInOrder()
    {
        var payload = new byte[4 * 1024 * 1024];
        new Random(42).NextBytes(payload);
        var echo = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await backend.ReceiveAsync(buffer)) > 0)
            {
                await backend.SendAsync(buffer.AsMemory(0, read));
            }
            backend.Shutdown(SocketShutdown.Send);
        });

        // Send and read at once: the echo can only keep up if backpressure holds in both directions.
        var sending = Task.Run(async () =>
        {
            await client.SendAsync(payload);
            client.Shutdown(SocketShutdown.Send);
        });
        var received = await ReadToEndAsync(client);
        await sending.WaitAsync(Bound);
        await echo.WaitAsync(Bound);

        Assert.Equal(payload, received);
        Assert.Equal(SpliceEnd.Closed, await splice.WaitAsync(Bound));
        Assert.Equal(payload.Length, counters.FromClient);
        Assert.Equal(payload.Length, counters.ToClient);
    }

    [Fact]
    public async Task Run_ClientHalfCloses_ServerStillAnswers()
    {
        await client.SendAsync(Encoding.ASCII.GetBytes("hello"));
        client.Shutdown(SocketShutdown.Send);

        var request = await ReadToEndAsync(backend);
        await backend.SendAsync(Encoding.ASCII.GetBytes("bye"));
        backend.Shutdown(SocketShutdown.Send);
        var answer = await ReadToEndAsync(client);

        Assert.Equal("hello", Encoding.ASCII.GetString(request));
        Assert.Equal("bye", Encoding.ASCII.GetString(answer));
        Assert.Equal(SpliceEnd.Closed, await splice.WaitAsync(Bound));
    }

    [Fact]
    public async Task Run_ServerAnswersAndHangsUpWhileClientIsNotReading_EveryByteStillArrives()
    {
        // The client has said all it will; the server answers with more than the client's socket
        // holds and closes at once. The splice is left with bytes the client has not taken and a
        // hung-up server: the rest must still arrive, then the end.
        client.Shutdown(SocketShutdown.Send);
        Assert.Empty(await ReadToEndAsync(backend));
        var answer = new byte[1024 * 1024];
        new Random(3).NextBytes(answer);
        var answering = Task.Run(async () =>
        {
            await backend.SendAsync(answer);
            backend.Shutdown(SocketShutdown.Send);
        });
        await answering.WaitAsync(Bound);

        Assert.Equal(answer, await ReadToEndAsync(client));
        Assert.Equal(SpliceEnd.Closed, await splice.WaitAsync(Bound));
    }

    [Fact]
    public async Task Run_ServerResets_ClientSeesTheEndAndSpliceFails()
    {
        await client.SendAsync(Encoding.ASCII.GetBytes("query"));
        var buffer = new byte[5];
        await backend.ReceiveAsync(buffer);

        backend.LingerState = new LingerOption(true, 0);
        backend.Close();   // RST, not FIN

        Assert.Equal(SpliceEnd.Failed, await splice.WaitAsync(Bound));
        front.Dispose();
        Assert.Empty(await ReadToEndAsync(client));
    }

    [Fact]
    public async Task Run_ClientVanishesWhileServerStreams_SpliceFails()
    {
        var streaming = Task.Run(async () =>
        {
            var chunk = new byte[64 * 1024];
            try
            {
                for (var i = 0; i < 1000; i++)
                {
                    await backend.SendAsync(chunk);
                }
            }
            catch (SocketException)
            {
                // The splice ended and closed its side: the backend sees a reset.
            }
        });
        var first = new byte[1];
        await client.ReceiveAsync(first).WaitAsync(Bound);

        client.LingerState = new LingerOption(true, 0);
        client.Close();   // RST

        Assert.Equal(SpliceEnd.Failed, await splice.WaitAsync(Bound));
        back.Dispose();
        await streaming.WaitAsync(Bound);
    }

    [Fact]
    public async Task Run_Stopped_EndsBothDirectionsAtOnce()
    {
        await stop.CancelAsync();

        Assert.Equal(SpliceEnd.Stopped, await splice.WaitAsync(Bound));
    }

    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        using var all = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer).WaitAsync(Bound)) > 0)
            {
                all.Write(buffer, 0, read);
            }
        }
        catch (SocketException)
        {
            // A reset ends the stream too.
        }
        return all.ToArray();
    }
}

public sealed class EpollSpliceTests : SpliceTests
{
    private readonly EpollLoopGroup loops = new(1, TimeProvider.System);

    protected override Task ConnectAsync(Socket socket, IPEndPoint endPoint) => EpollConnect.ConnectAsync(loops.Next(), socket, endPoint, CancellationToken.None);

    private protected override Task<SpliceEnd> RunAsync(Socket client, Socket server, SpliceCounters counters, CancellationToken cancellationToken) =>
        EpollSplice.RunAsync(loops.Next(), client, server, counters, cancellationToken);

    protected override void DisposeEngine() => loops.Dispose();

    [Fact]
    public async Task Connect_NobodyListening_Refused()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var closed = (IPEndPoint)probe.LocalEndpoint;
        probe.Stop();

        var e = await Assert.ThrowsAsync<SocketException>(() => EpollConnect.ConnectAsync(loops.Next(), socket, closed, CancellationToken.None));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [Fact]
    public async Task Connect_Cancelled_StopsWaiting()
    {
        // A listener whose accept queue is full drops further SYNs: that handshake does not complete.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 16; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                using var cancel = new CancellationTokenSource();
                var connecting = EpollConnect.ConnectAsync(loops.Next(), socket, listener.LocalEndPoint!, cancel.Token);
                if (await Task.WhenAny(connecting, Task.Delay(TimeSpan.FromMilliseconds(500))) == connecting)
                {
                    await connecting;
                    continue;
                }

                await cancel.CancelAsync();

                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting.WaitAsync(Bound));
                return;
            }
            Assert.Fail("every connection was accepted into a queue of backlog 0");
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }
}

public sealed class SocketSpliceTests : SpliceTests
{
    protected override Task ConnectAsync(Socket socket, IPEndPoint endPoint) => socket.ConnectAsync(endPoint);

    private protected override Task<SpliceEnd> RunAsync(Socket client, Socket server, SpliceCounters counters, CancellationToken cancellationToken) =>
        Splice.RunOnSocketsAsync(client, server, counters, cancellationToken);
}
