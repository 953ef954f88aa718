using System.Net.Sockets;

namespace Pgway.Pooling;

/// <summary>A logged-in server connection, idle in its pool or held by one client.</summary>
internal sealed class PooledServer(Socket socket, ServerLoginResult login, DateTimeOffset created)
{
    public Socket Socket { get; } = socket;

    public ServerLoginResult Login { get; } = login;

    public DateTimeOffset Created { get; } = created;

    public void Close()
    {
        try
        {
            Socket.Dispose();
        }
        catch (ObjectDisposedException)
        {
            // Closed already.
        }
    }
}
