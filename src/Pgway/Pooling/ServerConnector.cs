using System.Net.Sockets;
using Pgway.Pooling.Tls;
using Pgway.Protocol;
using Pgway.Routing.Epoll;

namespace Pgway.Pooling;

/// <summary>Opens a pool's new server connection on an epoll loop: connect within <c>server_connect_timeout</c>, then log in.</summary>
internal static class ServerConnector
{
    /// <summary>
    /// On <paramref name="loop"/>: a logged-in server for the slot the caller reserved in
    /// <paramref name="pool"/>, attached to the loop. On failure the slot is given back (and a
    /// connect or log-in failure starts <c>server_login_retry</c>).
    /// </summary>
    /// <exception cref="ServerLoginException">The server could not be reached in time, or refused the log-in.</exception>
    public static async Task<PooledServer> ConnectAsync(Pooler pooler, ServerPool pool, EpollLoop loop)
    {
        try
        {
            var server = await ConnectAsync(pooler, loop, pool.Credentials!, pool.Database);
            server.Generation = pool.Generation;
            pool.NoteLoginSuccess();
            return server;
        }
        catch (ServerLoginException e)
        {
            pool.ConnectFailed(e.Message);
            throw;
        }
        catch
        {
            pool.Discard(null);
            throw;
        }
    }

    /// <summary>On <paramref name="loop"/>: a server of <paramref name="database"/> logged in to with <paramref name="credentials"/>, attached to the loop.</summary>
    /// <exception cref="ServerLoginException">The server could not be reached in time, or refused the log-in.</exception>
    public static async Task<PooledServer> ConnectAsync(Pooler pooler, EpollLoop loop, ServerCredentials credentials, string database)
    {
        var backend = pooler.Options.Backend;
        var settings = pooler.Options.Settings;
        var socket = new Socket(backend.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(settings.ServerConnectTimeout, pooler.Time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, pooler.Stopping);
            try
            {
                await EpollConnect.ConnectAsync(socket, backend, linked.Token);
            }
            // Refused at once, or no answer in time; not pgway stopping.
            catch (Exception e) when (e is SocketException || (e is OperationCanceledException && timeout.IsCancellationRequested))
            {
                throw new ServerLoginException(SqlState.ConnectionFailure,
                    $"pgway: cannot connect to the server {backend}: {(e is SocketException s ? s.SocketErrorCode.ToString() : $"no answer within server_connect_timeout {settings.ServerConnectTimeout.TotalSeconds:0.#}s")}");
            }
            await loop.SwitchTo();
            var attached = LoopSocket.Attach(loop, socket);
            ILoopTransport transport = attached;
            // As PgBouncer's: connect, TLS and log-in together within server_connect_timeout.
            using var stuck = linked.Token.UnsafeRegister(_ => loop.Post(attached.CancelWaits), null);
            try
            {
                transport = await ServerTlsNegotiation.StartAsync(pooler, loop, attached, socket, linked.Token);
                var login = await ServerLogin.LoginAsync(new LoopStream(transport), credentials, [new("database", database)], linked.Token);
                await loop.SwitchTo();
                return new PooledServer(socket, login, pooler.Time.GetUtcNow()) { Attached = transport, Tls = transport as TlsTransport, Id = pooler.NextObjectId() };
            }
            catch (Exception e) when (e is OperationCanceledException && timeout.IsCancellationRequested)
            {
                transport.Dispose();
                throw new ServerLoginException(SqlState.ConnectionFailure,
                    $"pgway: the server {backend} did not complete the log-in within server_connect_timeout {settings.ServerConnectTimeout.TotalSeconds:0.#}s");
            }
            catch
            {
                transport.Dispose();
                throw;
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
