using System.Net;
using System.Net.Sockets;
using Pgway.Pooling.Tls;
using Pgway.Protocol;
using Pgway.Transport;

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
    /// <param name="cancellation">The client's cancel request: ends a wait for a member (or a connect), never a log-in under way.</param>
    public static async Task<PooledServer> ConnectAsync(Pooler pooler, ServerPool pool, EpollLoop loop, CancellationToken cancellation = default)
    {
        try
        {
            var server = await ConnectAsync(pooler, loop, pool.Credentials!, pool.Database, pool, cancellation);
            server.Generation = pool.Generation;
            pool.NoteLoginSuccess();
            return server;
        }
        catch (ServerLoginException e) when (e.Reason == DisconnectReason.QueryWaitTimeout)
        {
            // No member to go to is not the server refusing: no server_login_retry for it.
            pool.Discard(null);
            throw;
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

    /// <summary>
    /// On <paramref name="loop"/>: a server of <paramref name="database"/> logged in to with
    /// <paramref name="credentials"/>, attached to the loop. The caller goes on on the loop, also when it fails.
    /// </summary>
    /// <exception cref="ServerLoginException">The server could not be reached in time, or refused the log-in.</exception>
    /// <param name="pool">The pool the server is for: while it is paused (PAUSE, a switchover's hold), no member is chosen.</param>
    /// <param name="cancellation">Ends a wait for a member, or a connect under way (not a log-in).</param>
    public static async Task<PooledServer> ConnectAsync(Pooler pooler, EpollLoop loop, ServerCredentials credentials, string database, ServerPool? pool = null,
        CancellationToken cancellation = default)
    {
        try
        {
            return await ConnectToAMemberAsync(pooler, loop, credentials, database, pool, cancellation);
        }
        catch
        {
            // A failure may end off the loop (a connect's completion, a timer's thread): the caller, a session
            // whose state only its loop touches, goes on on the loop, as after a success.
            await loop.SwitchTo();
            throw;
        }
    }

    private static async Task<PooledServer> ConnectToAMemberAsync(Pooler pooler, EpollLoop loop, ServerCredentials credentials, string database, ServerPool? pool,
        CancellationToken cancellation)
    {
        var target = pooler.Options.Servers;
        var wait = pooler.Options.Settings.QueryWaitTimeout;
        using var timeout = new CancellationTokenSource(wait > TimeSpan.Zero ? wait : Timeout.InfiniteTimeSpan, pooler.Time);
        while (true)
        {
            var lease = await LeaseAsync(pooler, target, pool, timeout, cancellation);
            try
            {
                var server = await ConnectAsync(pooler, loop, credentials, database, lease, cancellation);
                if (lease.IsFenced)
                {
                    // Fenced while it logged in: it never serves.
                    server.Close();
                    throw new ServerLoginException(SqlState.ConnectionFailure, $"pgway: the server {lease} was fenced while pgway logged in to it");
                }
                return server;
            }
            // A member down or shutting down, not yet marked so: another (or the same, later) is tried.
            catch (Exception e) when (target.RetriesElsewhere && !timeout.IsCancellationRequested
                && (e is ServerLoginException { SqlState: var state } ? IsMemberFailure(state) : e is SocketException or EndOfStreamException))
            {
                target.Failed(lease);
                lease.Release();
            }
            catch
            {
                lease.Release();
                throw;
            }
        }
    }

    private static readonly TimeSpan PausedRecheck = TimeSpan.FromMilliseconds(20);

    // Unreachable, or shutting down or starting up (57P01-57P03): the member's state, not the client's log-in.
    private static bool IsMemberFailure(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal) || sqlState.StartsWith("57P", StringComparison.Ordinal);

    // Where the new server goes: at once for a fixed server; for a service, the member its route
    // chooses, waiting (up to query_wait_timeout) while none is eligible.
    // A client that has to wait for a member (its slot reserved before a pause, its member then failing) waits
    // out the pause too: a switchover's hold is exactly when a member may be up by the DCS but still promoting.
    // One that finds a member at once goes ahead, paused or not, so that a hold's drain is not kept waiting.
    private static async Task<ServerLease> LeaseAsync(Pooler pooler, IServerTarget target, ServerPool? pool, CancellationTokenSource timeout, CancellationToken cancellation)
    {
        if (target.TryLease() is { } lease)
        {
            return lease;
        }
        var wait = pooler.Options.Settings.QueryWaitTimeout;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, pooler.Stopping, cancellation);
        while (true)
        {
            var changed = target.WaitForChangeAsync(linked.Token);
            var paused = pool is { Paused: true };
            if (!paused && target.TryLease() is { } leased)
            {
                return leased;
            }
            try
            {
                // A pause ends with no change of the target's: looked at again shortly.
                await (paused ? Task.Delay(PausedRecheck, pooler.Time, linked.Token) : changed);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new ServerLoginException(SqlState.ConnectionFailure,
                    $"pgway: {target.Describe()} has no member to connect to within query_wait_timeout {wait.TotalSeconds:0.#}s", DisconnectReason.QueryWaitTimeout);
            }
        }
    }

    private static async Task<PooledServer> ConnectAsync(Pooler pooler, EpollLoop loop, ServerCredentials credentials, string database, ServerLease lease,
        CancellationToken cancellation)
    {
        var backend = lease.EndPoint;
        var settings = pooler.Options.Settings;
        var socket = new Socket(backend.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(settings.ServerConnectTimeout, pooler.Time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, pooler.Stopping, cancellation);
            try
            {
                await EpollConnect.ConnectAsync(loop, socket, backend, linked.Token);
            }
            // Refused at once, or no answer in time; not pgway stopping.
            catch (Exception e) when (e is SocketException || (e is OperationCanceledException && timeout.IsCancellationRequested))
            {
                throw new ServerLoginException(SqlState.ConnectionFailure,
                    $"pgway: cannot connect to the server {lease}: {(e is SocketException s ? s.SocketErrorCode.ToString() : $"no answer within server_connect_timeout {settings.ServerConnectTimeout.TotalSeconds:0.#}s")}");
            }
            await loop.SwitchTo();
            var attached = LoopSocket.Attach(loop, socket);
            ILoopTransport transport = attached;
            // As PgBouncer's: connect, TLS and log-in together within server_connect_timeout.
            using var stuck = linked.Token.UnsafeRegister(_ => loop.Post(attached.CancelWaits), null);
            try
            {
                transport = await ServerTlsNegotiation.StartAsync(pooler, loop, attached, socket, backend, linked.Token);
                var stream = new LoopStream(transport);
                var login = await ServerLogin.LoginAsync(stream, credentials, [new("database", database)], linked.Token);
                if (pooler.Options.Servers.WaitsForPromotion && ServerPromotionWait.IsStandby(login))
                {
                    // Named leader by the DCS a moment before its promotion completes: held, not handed out read-only.
                    login = await ServerPromotionWait.WaitAsync(stream, login, pooler.Time, async () =>
                    {
                        await loop.SwitchTo();
                        if (lease.IsFenced)
                        {
                            // The key moved on meanwhile: another member is tried.
                            throw new ServerLoginException(SqlState.ConnectionFailure, $"pgway: the server {lease} was fenced while it waited for its promotion");
                        }
                    }, linked.Token);
                }
                if (ServerFenceCheck.MayBeFenced(login) && await ServerFenceCheck.ReadAsync(stream, linked.Token) is { } fence)
                {
                    throw new ServerLoginException(SqlState.CannotConnectNow,
                        $"pgway: the server {lease} is fenced ({fence}): it is no primary, and pooled clients are not served from it");
                }
                await loop.SwitchTo();
                return new PooledServer(socket, login, pooler.Time.GetUtcNow()) { Attached = transport, Tls = transport as TlsTransport, Id = pooler.NextObjectId(), Lease = lease };
            }
            catch (Exception e) when (e is OperationCanceledException && timeout.IsCancellationRequested)
            {
                transport.Dispose();
                throw new ServerLoginException(SqlState.ConnectionFailure,
                    $"pgway: the server {lease} did not complete the log-in (or, named leader, did not leave recovery) within server_connect_timeout {settings.ServerConnectTimeout.TotalSeconds:0.#}s");
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
