using System.Net;
using System.Net.Sockets;
using Pgway.Pooling;
using Pgway.Protocol;
using Pgway.Transport;

namespace Pgway.Tests.Pooling;

/// <summary>
/// What the pool's unit tests share: two epoll loops (a pool resumes waiters on their own loop's
/// thread) and loopback connections standing in for servers (a pooled server is checked with a
/// non-blocking peek, which needs a connected socket). Nothing is logged in to.
/// </summary>
public sealed class PoolLoops : IDisposable
{
    private readonly Socket listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> peers = [];
    private readonly Lock gate = new();

    public PoolLoops()
    {
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(64);
    }

    internal EpollLoop A { get; } = new("pool-test-a", TimeProvider.System);

    internal EpollLoop B { get; } = new("pool-test-b", TimeProvider.System);

    /// <summary>Long enough for a posted completion on a loaded machine; only a failing test waits it out.</summary>
    internal static TimeSpan Bound { get; } = TimeSpan.FromSeconds(30);

    /// <summary>A quiet connection, as a server fresh from log-in, opened at <paramref name="created"/>.</summary>
    internal PooledServer Server(DateTimeOffset created) => ServerAndPeer(created).Server;

    /// <summary>As <see cref="Server"/>, with the database's end of the connection, to write from.</summary>
    /// <param name="address">Where the lease says it was opened; the listener's address when null.</param>
    internal (PooledServer Server, Socket Peer) ServerAndPeer(DateTimeOffset created, IPEndPoint? address = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(listener.LocalEndPoint!);
        var peer = listener.Accept();
        lock (gate)
        {
            peers.Add(peer);
        }
        var login = new ServerLoginResult(new Dictionary<string, string>(), 1, new byte[4], TransactionStatus.Idle);
        return (new PooledServer(socket, login, created) { Lease = new ServerLease(address ?? (IPEndPoint)peer.LocalEndPoint!, null) }, peer);
    }

    internal static PoolLimits Limits(int size = 1, int minSize = 0, int reserveSize = 0, double reserveTimeout = 0, double lifetime = 0, double idleTimeout = 0, double loginRetry = 15) =>
        new(size, minSize, reserveSize, TimeSpan.FromSeconds(reserveTimeout), TimeSpan.FromSeconds(lifetime), TimeSpan.FromSeconds(idleTimeout), TimeSpan.FromSeconds(loginRetry));

    internal static ServerPool Pool(PoolLimits limits, TimeProvider time, ConnectionBudget? databaseBudget = null, ConnectionBudget? userBudget = null) =>
        new("db", "user", limits, databaseBudget ?? new ConnectionBudget("max_db_connections", 0), userBudget ?? new ConnectionBudget("max_user_connections", 0), time);

    /// <summary>Runs <paramref name="work"/> on <paramref name="loop"/>'s thread, where a pool settles a waiter inline.</summary>
    internal static Task<T> OnLoop<T>(EpollLoop loop, Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Post(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    public void Dispose()
    {
        lock (gate)
        {
            peers.ForEach(p => p.Dispose());
        }
        listener.Dispose();
        A.Dispose();
        B.Dispose();
    }
}
