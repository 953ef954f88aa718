using System.Net.Sockets;

namespace Pgway.Transport;

/// <summary>The accept loop every listener of pgway runs: a service port, a pooler.</summary>
internal static class AcceptLoop
{
    /// <summary>
    /// Accepts connections until <paramref name="stopping"/> or the listener is closed, handing each
    /// to <paramref name="accepted"/>. A failed accept (out of descriptors or buffers) is reported and
    /// retried after a pause: the others keep being served, without spinning. A connection whose
    /// <paramref name="accepted"/> throws is closed and reported to <paramref name="crashed"/>, and the
    /// loop goes on: one bad connection must not close the port to every later one.
    /// </summary>
    public static async Task RunAsync(Socket listener, TimeProvider time, Action<Socket> accepted, Action<SocketError> failed, Action<Exception> crashed,
        CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                failed(e.SocketErrorCode);
                await Task.Delay(TimeSpan.FromMilliseconds(50), time, CancellationToken.None);
                continue;
            }
            try
            {
                accepted(client);
            }
            catch (Exception e)
            {
                // Whatever went wrong with one connection, the listener serves the next.
                client.Dispose();
                crashed(e);
            }
        }
    }
}
