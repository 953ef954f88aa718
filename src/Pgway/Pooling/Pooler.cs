using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pgway.Transport;

namespace Pgway.Pooling;

/// <summary>
/// PgBouncer's job for one server: accepts clients, logs them in, and lends them server connections
/// from pools per (database, user) shared by every epoll loop. Each client session is a coroutine on
/// one loop (see <see cref="ClientSession"/>).
/// </summary>
internal sealed partial class Pooler : IAsyncDisposable
{
    private readonly Socket listener;
    private readonly Transport.ClientAdmission admission;
    private readonly CancellationTokenSource stopping = new();
    private readonly CancellationTokenSource acceptStopping = new();
    private readonly ConcurrentDictionary<(string Database, string User), ServerPool> pools = new();
    private readonly ConcurrentDictionary<long, ClientSession> sessions = new();
    private readonly ConcurrentDictionary<string, ConnectionBudget> databaseBudgets = new();
    private readonly ConcurrentDictionary<string, ConnectionBudget> userBudgets = new();
    private readonly Lock automaticGate = new();
    private int automaticPools;
    private readonly IDisposable expiring;
    private readonly EpollLoopGroup loops;
    private readonly bool ownsLoops;
    private readonly long[] disconnects = new long[Enum.GetValues<DisconnectReason>().Length];
    private readonly ParameterSets parameterSets = new();
    private int sweeps;
    private Task accepting = Task.CompletedTask;
    private long nextSessionId;
    private int clients;
    private PoolerOptions options;
    private Tls.PoolerTls tls;

    private Pooler(PoolerOptions options, Tls.PoolerTls tls, Socket listener, EpollLoopGroup? loops, TimeProvider time, ILogger logger, Authentication.VerifierCache verifiers)
    {
        this.options = options;
        CancelKeys = options.CancelKeys ?? CancelKeyRegistry.Standalone(time);
        ownsLoops = loops is null;
        this.loops = loops ?? new EpollLoopGroup(EpollLoopGroup.DefaultCount, time);
        Verifiers = verifiers;
        AuthQueryAnswers = new Authentication.AuthQueryAnswers(time);
        this.tls = tls;
        this.listener = listener;
        admission = options.Admission ?? Transport.ClientAdmission.Unbounded();
        Time = time;
        Logger = logger;
        // query_wait_timeout, the reserve pool and the client timeouts are enforced by this sweep, to
        // a tenth of a second, rather than by a timer per client; the servers are looked after every
        // second. It runs on an epoll loop, which wakes up for it only when it has nothing else to do.
        expiring = this.loops.Next().Every(SweepInterval, Sweep);
    }

    /// <summary>The options now: <see cref="Reload(PoolerReload)"/> (the admin console's RELOAD and SET) swaps them whole.</summary>
    public PoolerOptions Options => Volatile.Read(ref options);

    public IPEndPoint LocalEndPoint => (IPEndPoint)listener.LocalEndPoint!;

    /// <summary>Clients connected now (logging in or logged in).</summary>
    public int Clients => Volatile.Read(ref clients);

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    internal CancellationToken Stopping => stopping.Token;

    /// <summary>Prepared statements of transaction-mode clients, by definition, with their server-side names.</summary>
    internal PreparedStatements.StatementRegistry Statements { get; } = new();

    /// <summary>The values servers reported for start-up values clients gave (<c>German</c> → <c>German, DMY</c>), learned once each.</summary>
    internal CanonicalParameterValues CanonicalValues { get; } = new();

    /// <summary>
    /// TLS towards clients and towards the server, its files read at start-up and again by a reload
    /// (swapped whole: a session reads it once, at its start, so one connection never mixes two).
    /// </summary>
    internal Tls.PoolerTls Tls => Volatile.Read(ref tls);

    /// <summary>auth_query look-ups under way and waiting, bounded per database and auth user.</summary>
    internal Authentication.AuthQueryGates AuthQueryGates { get; } = new();

    /// <summary>auth_query's recent answers.</summary>
    internal Authentication.AuthQueryAnswers AuthQueryAnswers { get; }

    /// <summary>The SCRAM verifiers of users known by a plain-text password, derived once each.</summary>
    internal Authentication.VerifierCache Verifiers { get; }

    /// <summary>The challenge of users without a usable secret (PostgreSQL's mock authentication).</summary>
    internal Authentication.MockAuthentication MockAuthentication { get; } = new();

    /// <summary>Every pool now, with its totals.</summary>
    public IReadOnlyList<PoolSnapshot> Pools() => [.. pools.Values.Select(p => p.Snapshot()).OrderBy(p => p.Database, StringComparer.Ordinal).ThenBy(p => p.User, StringComparer.Ordinal)];

    /// <summary>Server connections of one pool now: (total, idle); (0, 0) when the pool does not exist yet.</summary>
    public (int Total, int Idle) ServerCounts(string database, string user) =>
        pools.TryGetValue((database, user), out var pool) ? (pool.Total, pool.Idle) : (0, 0);

    /// <exception cref="InvalidOperationException">A TLS file is missing or unusable (named with its setting).</exception>
    public static Pooler Start(PoolerOptions options, TimeProvider time, ILogger logger) => Start(options, null, time, logger, new Authentication.VerifierCache());

    /// <param name="loops">The process's epoll loops, which the host stops after the pooler; null: the pooler makes its own (one per CPU) and stops them with itself.</param>
    /// <exception cref="InvalidOperationException">A TLS file is missing or unusable (named with its setting).</exception>
    public static Pooler Start(PoolerOptions options, EpollLoopGroup? loops, TimeProvider time, ILogger logger) => Start(options, loops, time, logger, new Authentication.VerifierCache());

    /// <param name="verifiers">Where SCRAM verifiers of plain-text passwords come from (tests count the derivations).</param>
    internal static Pooler Start(PoolerOptions options, TimeProvider time, ILogger logger, Authentication.VerifierCache verifiers) => Start(options, null, time, logger, verifiers);

    private static Pooler Start(PoolerOptions options, EpollLoopGroup? loops, TimeProvider time, ILogger logger, Authentication.VerifierCache verifiers)
    {
        ArgumentNullException.ThrowIfNull(options);
        var tls = PoolerReload.Load(options).Tls;
        var socket = new Socket(options.Listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (options.Listen.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }
            socket.Bind(options.Listen);
            socket.Listen(1024);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var pooler = new Pooler(options, tls, socket, loops, time, logger, verifiers);
        if (options.Target is { } target)
        {
            target.Fenced += pooler.OnFenced;
        }
        pooler.accepting = pooler.AcceptLoopAsync();
        return pooler;
    }

    private static TimeSpan SweepInterval => TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The pool of (database, user), made on first use with the database's and user's own settings over
    /// the pooler's, and entered for the caller (who leaves it when the session ends). Null when it
    /// would be one automatic pool too many (<c>pgway_max_autodb_pools</c>).
    /// </summary>
    internal ServerPool? PoolFor(string database, string user, Model.PoolDatabase? listedDatabase, Model.PoolUser? listedUser)
    {
        if (listedDatabase is not null || (pools.TryGetValue((database, user), out var existing) && !existing.Automatic))
        {
            var listed = pools.GetOrAdd((database, user), key => NewPool(key, listedDatabase, listedUser, automatic: false));
            listed.Enter();
            return listed;
        }
        // A database not in pg_databases (PgBouncer's "*"): made, counted and dropped under one lock,
        // so that a pool is never dropped between a client finding it and entering it.
        lock (automaticGate)
        {
            if (!pools.TryGetValue((database, user), out var pool))
            {
                var max = Options.Settings.MaxAutodbPools;
                if (max > 0 && automaticPools >= max && !DropOneUnusedAutomatic())
                {
                    return null;
                }
                pool = NewPool((database, user), null, listedUser, automatic: true);
                pools[(database, user)] = pool;
                automaticPools++;
            }
            pool.Enter();
            return pool;
        }
    }

    private ServerPool NewPool((string Database, string User) key, Model.PoolDatabase? listedDatabase, Model.PoolUser? listedUser, bool automatic)
    {
        var settings = Options.Settings;
        var limits = LimitsFor(settings, listedDatabase);
        var databaseBudget = databaseBudgets.GetOrAdd(key.Database,
            _ => new ConnectionBudget("max_db_connections", listedDatabase?.ConnectionLimit ?? settings.MaxDbConnections));
        var userBudget = userBudgets.GetOrAdd(key.User,
            _ => new ConnectionBudget("max_user_connections", listedUser?.ConnectionLimit ?? settings.MaxUserConnections));
        var pool = new ServerPool(key.Database, key.User, limits, databaseBudget, userBudget, Time) { Automatic = automatic };
        if (IsPaused(key.Database))
        {
            pool.Pause();
        }
        return pool;
    }

    private void Sweep()
    {
        var now = Time.GetUtcNow();
        var maintain = ++sweeps % 10 == 0;
        foreach (var pool in pools.Values)
        {
            pool.ExpireWaiters(now);
            if (pool.ServeWaiters(now) is { } blocked)
            {
                EvictIdleUnder(blocked, pool);
            }
            if (maintain)
            {
                Maintain(pool, now);
            }
        }
        foreach (var session in sessions.Values)
        {
            session.CheckTimeouts(now);
        }
        if (maintain)
        {
            averages.Tick(now, Options.Settings.StatsPeriod, this);
            DropUnusedAutomatic(now);
        }
    }

    // A pool waits for a budget other pools hold: one of their idle servers is closed (as PgBouncer evicts).
    private void EvictIdleUnder(ConnectionBudget budget, ServerPool waiting)
    {
        foreach (var other in pools.Values)
        {
            if (other != waiting && (other.DatabaseBudget == budget || other.UserBudget == budget)
                && other.LoopsWithIdle() is [var loop, ..])
            {
                loop.Post(() => other.CloseOneIdle(loop));
                return;
            }
        }
    }

    // Idle servers too old, idle too long or dead are closed on their loops; min_pool_size is made up.
    private void Maintain(ServerPool pool, DateTimeOffset now)
    {
        foreach (var loop in pool.LoopsWithIdle())
        {
            loop.Post(() => pool.CloseExpiredIdle(loop, now));
        }
        for (var missing = pool.TakeSlotsForMinimum(now); missing > 0; missing--)
        {
            var loop = loops.Next();
            _ = loop.RunAsync(async () =>
            {
                try
                {
                    var server = await ServerConnector.ConnectAsync(this, pool, loop);
                    pool.Release(server, loop);
                }
                catch (Exception e)
                {
                    // The connector gave the slot back.
                    LogMinimumFailed(Logger, pool.Database, pool.User, e.Message);
                }
                return 0;
            });
        }
    }

    /// <summary>
    /// A small number naming a client's set of session parameters: clients with the same set get the
    /// same number, so a server already brought to that set is known to need nothing. 0 when too
    /// many distinct sets have been seen (each client then compares parameter by parameter).
    /// </summary>
    internal int ParameterSetId(Dictionary<string, string> parameters) => parameterSets.IdOf(parameters);

    /// <summary>Counts a new client; false when <c>max_client_conn</c> is reached.</summary>
    internal bool TryAddClient()
    {
        if (Interlocked.Increment(ref clients) <= Options.Settings.MaxClientConnections)
        {
            return true;
        }
        Interlocked.Decrement(ref clients);
        return false;
    }

    internal void RemoveClient() => Interlocked.Decrement(ref clients);

    /// <summary>A number for a new client or server, one sequence for both (the admin console's <c>ptr</c> and <c>link</c>).</summary>
    internal long NextObjectId() => Interlocked.Increment(ref nextSessionId);

    internal void CountDisconnect(DisconnectReason reason) => Interlocked.Increment(ref disconnects[(int)reason]);

    /// <summary>Clients disconnected so far, by reason (reasons never seen are left out).</summary>
    public IReadOnlyDictionary<DisconnectReason, long> Disconnects() =>
        Enum.GetValues<DisconnectReason>().Where(r => Volatile.Read(ref disconnects[(int)r]) > 0)
            .ToDictionary(r => r, r => Volatile.Read(ref disconnects[(int)r]));

    /// <summary>
    /// The cancel keys of pgway's own given to clients (never a server's), shared with every other pooler of the
    /// process, and where a key issued by another node goes.
    /// </summary>
    internal CancelKeyRegistry CancelKeys { get; }

    private Task AcceptLoopAsync() => Transport.AcceptLoop.RunAsync(listener, Time, Accept, error => LogAcceptFailed(Logger, error), e => LogAcceptCrashed(Logger, e), acceptStopping.Token);

    /// <summary>The process's bound on clients this pooler admits under.</summary>
    internal Transport.ClientAdmission Admission => admission;

    // A client's session runs on one epoll loop, in turn. Over max_client_conn or the process's bound,
    // the client is refused here, at once, before it holds anything but its socket for a moment.
    private void Accept(Socket client)
    {
        if (!TryAddClient())
        {
            RefuseAtAccept(client, DisconnectReason.MaxClientConnections, $"no more connections allowed (max_client_conn {Options.Settings.MaxClientConnections})");
            return;
        }
        var (ticket, outcome) = admission.TryAdmit();
        if (ticket is null)
        {
            RemoveClient();
            RefuseAtAccept(client, DisconnectReason.TooManyConnections, admission.Describe(outcome));
            return;
        }
        client.NoDelay = true;
        var id = NextObjectId();
        var loop = loops.Next();
        var session = new ClientSession(this, id, loop, client, ticket);
        sessions[id] = session;
        _ = loop.RunAsync(async () =>
        {
            try
            {
                await session.RunAsync();
            }
            finally
            {
                sessions.TryRemove(id, out _);
            }
            return 0;
        });
    }

    private void RefuseAtAccept(Socket client, DisconnectReason why, string message)
    {
        CountDisconnect(why);
        if (why == DisconnectReason.MaxClientConnections)
        {
            admission.NoteRefused();
        }
        if (admission.ShouldReport(Time.GetUtcNow(), out var refused))
        {
            LogRefusedAtAccept(Logger, LocalEndPoint.Port, refused, message);
        }
        Transport.ClientRefusal.RefuseAtAccept(client, Protocol.SqlState.TooManyConnections, message);
    }

    // A member fenced: its idle servers close on their loops, and its busy ones are taken from their clients.
    private void OnFenced(ServerLease lease)
    {
        LogFenced(Logger, lease.ToString());
        var now = Time.GetUtcNow();
        foreach (var pool in pools.Values)
        {
            foreach (var loop in pool.LoopsWithIdle())
            {
                loop.Post(() => pool.CloseExpiredIdle(loop, now));
            }
        }
        foreach (var session in sessions.Values)
        {
            session.OnServerFenced(lease);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Options.Target is { } target)
        {
            target.Fenced -= OnFenced;
        }
        await acceptStopping.CancelAsync();
        await stopping.CancelAsync();
        expiring.Dispose();
        listener.Dispose();
        await accepting;
        foreach (var session in sessions.Values)
        {
            session.Stop();
        }
        var deadline = Time.GetUtcNow() + TimeSpan.FromSeconds(5);
        while (!sessions.IsEmpty && Time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), Time, CancellationToken.None);
        }
        foreach (var pool in pools.Values)
        {
            // Each idle server is closed on the loop it is attached to.
            foreach (var loop in pool.LoopsWithIdle())
            {
                await loop.RunAsync(() =>
                {
                    pool.CloseIdle(loop);
                    return Task.FromResult(0);
                });
            }
        }
        stopping.Dispose();
        acceptStopping.Dispose();
        if (ownsLoops)
        {
            loops.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: opening a server for min_pool_size of {Database}/{User} failed: {Error}")]
    private static partial void LogMinimumFailed(ILogger logger, string database, string user, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: {Lease} fenced: its servers are closed, idle ones at once, busy ones taken from their clients")]
    private static partial void LogFenced(ILogger logger, string lease);

    [LoggerMessage(Level = LogLevel.Error, Message = "pooler: a new client could not be taken on (closed); still accepting")]
    private static partial void LogAcceptCrashed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler :{Port}: refused {Refused} clients at accept in the last seconds: {Reason}")]
    private static partial void LogRefusedAtAccept(ILogger logger, int port, long refused, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, SocketError error);
}
