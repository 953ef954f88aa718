using System.Net;
using System.Net.Sockets;
using System.Text;
using Pgway.Routing;

namespace Pgway.Tests.Routing;

/// <summary>The L4 splice between real loopback sockets: client ⇄ [splice] ⇄ backend.</summary>
public sealed class SpliceTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

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
        await back.ConnectAsync((IPEndPoint)backListener.LocalEndpoint);
        backend = await backListener.AcceptSocketAsync();
        splice = Splice.RunAsync(front, back, counters, stop.Token);
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var socket in new[] { client, backend, front, back })
        {
            socket?.Dispose();
        }
        stop.Dispose();
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
