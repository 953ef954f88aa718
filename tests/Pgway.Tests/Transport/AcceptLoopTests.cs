using System.Net;
using System.Net.Sockets;
using Pgway.Transport;

namespace Pgway.Tests.Transport;

public class AcceptLoopTests
{
    [Fact]
    public async Task Run_CallbackThrowsOnce_ReportedConnectionClosedNextOneServed()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        using var stopping = new CancellationTokenSource();
        var calls = 0;
        var served = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        var crashes = new List<Exception>();
        var loop = AcceptLoop.RunAsync(listener, TimeProvider.System, client =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new InvalidOperationException("one bad connection");
            }
            served.TrySetResult(client);
        }, _ => { }, e => { lock (crashes) { crashes.Add(e); } }, stopping.Token);

        using var first = new TcpClient();
        await first.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndPoint!).Port);
        // The failed connection is closed: its client reads the end.
        Assert.Equal(0, await first.GetStream().ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        using var second = new TcpClient();
        await second.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndPoint!).Port);

        using var accepted = await served.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(loop.IsCompleted);
        lock (crashes)
        {
            Assert.Equal("one bad connection", Assert.Single(crashes).Message);
        }
        await stopping.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
