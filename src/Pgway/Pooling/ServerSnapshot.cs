using System.Net;

namespace Pgway.Pooling;

/// <summary>One server connection now, as the admin console's SHOW SERVERS lists it.</summary>
/// <param name="Id">Its number (<c>ptr</c>); the same sequence as the clients'.</param>
/// <param name="ClientId">The client it is lent to (<c>link</c>); null when idle.</param>
/// <param name="RequestTime">When it was last lent or given back.</param>
/// <param name="CloseNeeded">Opened before the pool's last RECONNECT or KILL: it closes once released.</param>
internal sealed record ServerSnapshot(
    long Id,
    string Database,
    string User,
    long? ClientId,
    IPEndPoint? Local,
    DateTimeOffset ConnectTime,
    DateTimeOffset RequestTime,
    int ProcessId,
    string? ApplicationName,
    bool CloseNeeded)
{
    /// <summary>The server's address: a <c>dest: pool</c> service's servers are on different members.</summary>
    public IPEndPoint? Remote { get; init; }

    /// <summary>On the loop the server is attached to, or under its pool's lock while idle.</summary>
    public static ServerSnapshot Of(PooledServer server, ServerPool pool, long? clientId, DateTimeOffset requestTime) =>
        new(server.Id, pool.Database, pool.User, clientId, LocalOf(server), server.Created, requestTime, server.Login.ProcessId,
            server.Parameters.GetValueOrDefault("application_name"), server.Generation != pool.Generation || server.Lease.IsRetired)
        {
            Remote = server.Lease.EndPoint,
        };

    private static IPEndPoint? LocalOf(PooledServer server)
    {
        try
        {
            return server.Socket.LocalEndPoint as IPEndPoint;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            return null;
        }
    }
}
