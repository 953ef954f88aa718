using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Pgway.Pooling;

/// <summary>
/// The cancel keys of every pooler of one pgway process (a node's pooler and each <c>dest: pool</c> service), so a
/// CancelRequest on any of its ports finds the session; and the routing of a key this process does not hold to the
/// node that issued it (as PgBouncer's peers do), at most once: a node never forwards a key naming itself, nor a
/// request another node forwarded.
/// </summary>
internal sealed class CancelKeyRegistry
{
    /// <summary>How long a forward may take (connect, send, the peer closing): PostgreSQL's clients wait for the close.</summary>
    public static readonly TimeSpan ForwardTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<CancelKey, ClientSession> sessions = new();
    private readonly long[] outcomes = new long[Enum.GetValues<CancelOutcome>().Length];
    private readonly TimeProvider time;

    public CancelKeyRegistry(CancelNodes nodes, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(time);
        Nodes = nodes;
        this.time = time;
    }

    /// <summary>A registry of its own for a pooler started alone: node 0, nothing forwarded.</summary>
    public static CancelKeyRegistry Standalone(TimeProvider time) => new(CancelNodes.Standalone, time);

    public CancelNodes Nodes { get; }

    /// <summary>A new key for <paramref name="session"/>, naming this node; unique in the process.</summary>
    public CancelKey Issue(ClientSession session)
    {
        while (true)
        {
            var key = CancelKey.New(Nodes.Local);
            if (sessions.TryAdd(key, session))
            {
                return key;
            }
        }
    }

    public void Forget(CancelKey key) => sessions.TryRemove(key, out _);

    public ClientSession? Find(CancelKey key) => sessions.GetValueOrDefault(key.Issued);

    /// <summary>Cancel requests so far by outcome.</summary>
    public long Count(CancelOutcome outcome) => Volatile.Read(ref outcomes[(int)outcome]);

    /// <summary>
    /// Acts on a CancelRequest that arrived on local port <paramref name="port"/>: the session's query is cancelled here, or
    /// the request goes to the same port of the node the key names (every node serves the same ports), or it is dropped.
    /// Completes once the peer has closed the forward's connection (or its timeout passed), so the client's
    /// connection, closed after, bounds the forwards under way.
    /// </summary>
    public ValueTask<CancelOutcome> RouteAsync(CancelKey key, int port, CancellationToken cancellationToken)
    {
        if (Find(key) is { } session)
        {
            session.ForwardCancel();
            return new(Counted(CancelOutcome.Local));
        }
        if (key.IsForwarded || Nodes.PeerOf(key.Node) is not { } peer)
        {
            return new(Counted(CancelOutcome.Dropped));
        }
        return ForwardAsync(new IPEndPoint(peer, port), key.Forwarded, cancellationToken);
    }

    private async ValueTask<CancelOutcome> ForwardAsync(IPEndPoint peer, CancelKey key, CancellationToken cancellationToken)
    {
        var request = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(request, 16);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), Protocol.StartupRequestCode.CancelRequest);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(8), key.ProcessId);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(12), key.Secret);
        using var expiry = new CancellationTokenSource(ForwardTimeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        try
        {
            using var socket = new Socket(peer.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(peer, deadline.Token);
            await socket.SendAsync(request, SocketFlags.None, deadline.Token);
            // The peer answers nothing and closes once it has acted on the key.
            var rest = new byte[1];
            while (await socket.ReceiveAsync(rest, SocketFlags.None, deadline.Token) > 0)
            {
            }
            return Counted(CancelOutcome.Forwarded);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return Counted(CancelOutcome.ForwardFailed);
        }
    }

    private CancelOutcome Counted(CancelOutcome outcome)
    {
        Interlocked.Increment(ref outcomes[(int)outcome]);
        return outcome;
    }
}
