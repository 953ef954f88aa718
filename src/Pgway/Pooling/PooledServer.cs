using System.Net.Sockets;
using Pgway.Transport;

namespace Pgway.Pooling;

/// <summary>
/// A logged-in server connection, idle in its pool or held by one client. It stays attached to the
/// epoll loop of its last client while idle, so the next client on that loop takes it with no system
/// call; it moves to another loop only when a client there needs it.
/// </summary>
internal sealed class PooledServer(Socket socket, ServerLoginResult login, DateTimeOffset created)
{
    public Socket Socket { get; } = socket;

    public ServerLoginResult Login { get; } = login;

    public DateTimeOffset Created { get; } = created;

    /// <summary>Where it was opened: its address, its member, and whether it may still be used.</summary>
    public required ServerLease Lease { get; init; }

    /// <summary>A number of its own among the pooler's clients and servers, for the admin console (<c>ptr</c>, <c>link</c>).</summary>
    public long Id { get; init; }

    /// <summary>Its pool's generation when it was opened: older ones are closed once released (<c>RECONNECT</c>, <c>KILL</c>).</summary>
    public int Generation { get; set; }

    /// <summary>When it last went back to its pool, for <c>server_idle_timeout</c>.</summary>
    public DateTimeOffset IdleSince { get; set; } = created;

    /// <summary>The server's session parameters now: what it reported, and what pgway set on it for clients.</summary>
    public Dictionary<string, string> Parameters { get; } = new(login.Parameters, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The client parameter set (<see cref="Pooler.ParameterSetId"/>) this server was last brought
    /// to, and has not changed from since: a client with the same set needs no SET at all. 0: none known.
    /// </summary>
    public int AppliedSet { get; set; }

    /// <summary>The prepared statements pgway made on it for transaction-mode clients; null until the first.</summary>
    public PreparedStatements.ServerStatements? Statements { get; set; }

    /// <summary>Whose unnamed prepared statement it has, for transaction-mode clients.</summary>
    public PreparedStatements.UnnamedStatementSlot Unnamed { get; } = new();

    /// <summary>
    /// Cancel requests sent for it that the server has not finished with: until they are, it is not
    /// lent to another client, whose statement they could cancel. Loop thread only.
    /// </summary>
    public int CancelsInFlight { get; set; }

    /// <summary>Its client left with it idle while a cancel was in flight: it goes back to the pool once that is done.</summary>
    public bool ReleaseAfterCancels { get; set; }

    /// <summary>After a reset query: the parameters are the log-in's again.</summary>
    public void ForgetParameters()
    {
        AppliedSet = 0;
        Parameters.Clear();
        foreach (var (name, value) in Login.Parameters)
        {
            Parameters[name] = value;
        }
    }

    /// <summary>The connection (a loop socket, or TLS over one) while attached to a loop; null while moving between loops.</summary>
    public ILoopTransport? Attached { get; set; }

    /// <summary>The TLS session with the server, when there is one: it stays with the server as it moves between loops.</summary>
    public Tls.TlsTransport? Tls { get; init; }

    /// <summary>On <paramref name="loop"/>'s thread: the connection, served on that loop (attached there now if it came detached).</summary>
    public ILoopTransport AttachTo(EpollLoop loop)
    {
        if (Attached is { } attached)
        {
            return attached;
        }
        if (Tls is { } tls)
        {
            tls.Attach(loop);
            return Attached = tls;
        }
        return Attached = LoopSocket.Attach(loop, Socket);
    }

    /// <summary>On the loop it is attached to: whether it can serve a client (nothing came from it while idle, not too old).</summary>
    public bool IsUsable(DateTimeOffset now, TimeSpan lifetime) =>
        !Lease.IsRetired
        && (lifetime <= TimeSpan.Zero || now - Created < lifetime)
        && (Attached is { } attached ? !attached.ReadableReported : Tls is { } tls ? !tls.HasPendingInput : LoopSocket.IsQuiet(Socket));

    /// <summary>Its pool's count of servers lost under their clients when it went idle: one lost since at its address means it is not lent.</summary>
    public int LossesSeen { get; set; }

    /// <summary>On the loop it is attached to (if any): leaves that loop, for a client on another.</summary>
    public void Detach()
    {
        if (Tls is { } tls)
        {
            tls.Detach();
        }
        else
        {
            (Attached as LoopSocket)?.Detach();
        }
        Attached = null;
    }

    public void Close()
    {
        Statements?.Clear();
        Lease.Release();
        if (Tls is { } tls)
        {
            Attached = null;
            tls.Dispose();
            return;
        }
        if (Attached is { } attached)
        {
            Attached = null;
            attached.Dispose();
            return;
        }
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
