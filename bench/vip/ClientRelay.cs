using System.Net;
using System.Net.Sockets;
using Pgway.Testing.Network;

namespace Pgway.Bench.Vip;

/// <summary>
/// Lets Npgsql, which opens its sockets in the root namespace, reach <c>VIP:port</c> on the segment: a listener on
/// a loopback port of the root namespace whose every connection is carried to the target over a socket opened in
/// the client namespace. An upstream that does not answer within 1 s closes the client's connection (the
/// write probe keeps several attempts going, so one stuck on a SYN toward the old host does not hold it up).
/// </summary>
internal sealed class ClientRelay : IAsyncDisposable
{
    private static readonly TimeSpan s_connectTimeout = TimeSpan.FromSeconds(1);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly NetworkHost _client;
    private readonly IPEndPoint _target;
    private readonly Task _accepting;

    public ClientRelay(NetworkHost client, IPEndPoint target)
    {
        _client = client;
        _target = target;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The loopback port to give Npgsql.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // stopping
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var downstream = await _listener.AcceptSocketAsync(_stop.Token);
            _ = CarryAsync(downstream);
        }
    }

    private async Task CarryAsync(Socket downstream)
    {
        using (downstream)
        {
            Socket upstream;
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
            {
                connect.CancelAfter(s_connectTimeout);
                try
                {
                    upstream = await NetnsSocket.ConnectAsync(_client, _target, connect.Token);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException or InvalidOperationException)
                {
                    return;
                }
            }

            using (upstream)
            {
                // Either direction ending ends both: the client (or the server) closed, or the path broke.
                await Task.WhenAny(PumpAsync(downstream, upstream), PumpAsync(upstream, downstream));
            }
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the other side is gone; the caller closes both
        }
    }
}
