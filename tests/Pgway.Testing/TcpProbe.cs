using System.Net;
using System.Net.Sockets;

namespace Pgway.Testing;

/// <summary>Whether something accepts TCP connections on an address and port right now.</summary>
internal static class TcpProbe
{
    public static async Task<bool> IsListeningAsync(IPAddress address, int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(address, port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
