using System.Net;
using Pgway.Transport;

namespace Pgway.Pooling;

/// <summary>
/// The server connections of one (database, user), shared by every loop. Idle servers wait on the
/// loop of their last client, and a client takes one of its own loop's first (no system call);
/// failing that, one idle on another loop is handed over. A client that finds none and no room
/// waits, first come first served; after <c>reserve_pool_timeout</c> it may open one of the
/// reserve. Every server also counts against its database's and its user's budget
/// (<c>max_db_connections</c>, <c>max_user_connections</c>), shared with other pools.
/// </summary>
/// <remarks>
/// The pool's parts each hold one concern and are used under its lock: <see cref="PoolSlots"/>
/// (sizes and budgets), <see cref="IdleServers"/> (per loop), <see cref="WaitQueue"/> and
/// <see cref="LoginBackoff"/>. Every method that touches a server is called on the loop that server
/// is attached to. Time is read from the injected <see cref="TimeProvider"/>.
/// </remarks>
internal sealed partial class ServerPool(string database, string user, PoolLimits limits, ConnectionBudget databaseBudget, ConnectionBudget userBudget, TimeProvider time)
{
    // How long the first waiter may be passed over for one on the loop a server is released on.
    private static readonly TimeSpan OwnLoopPreference = TimeSpan.FromMilliseconds(2);

    private readonly Lock gate = new();
    private readonly PoolSlots slots = new(databaseBudget, userBudget);
    private readonly IdleServers idle = new();
    private readonly WaitQueue waiters = new();
    private readonly LoginBackoff login = new();
    private int clients;
    private PoolLimits limits = limits;
    // Servers lost under their clients so far, and the count after the last one at each address (see NoteServerLost).
    private int losses;
    private readonly Dictionary<IPEndPoint, (int Count, DateTimeOffset At)> lastLossAt = [];
    private static readonly TimeSpan LossInterval = TimeSpan.FromSeconds(1);

    public string Database { get; } = database;

    public string User { get; } = user;

    /// <summary>The limits now: a reload (or the admin console's SET) swaps them.</summary>
    public PoolLimits Limits
    {
        get => Volatile.Read(ref limits);
        set => Volatile.Write(ref limits, value);
    }

    public ConnectionBudget DatabaseBudget => slots.DatabaseBudget;

    public ConnectionBudget UserBudget => slots.UserBudget;

    public PoolStatistics Statistics { get; } = new();

    /// <summary>Logged-in clients of this pool (counted by their sessions).</summary>
    public int Clients => Volatile.Read(ref clients);

    public void AddClient() => Interlocked.Increment(ref clients);

    public void RemoveClient() => Interlocked.Decrement(ref clients);

    // Sessions that took this pool, logged in yet or not (taken under the pooler's lock on
    // automatic pools, so that one is never dropped between a client finding it and using it).
    private int sessions;

    /// <summary>Made for a database not in <c>pg_databases</c> (PgBouncer's <c>*</c>): dropped once unused for <c>autodb_idle_timeout</c>.</summary>
    public bool Automatic { get; init; }

    /// <summary>Sessions holding this pool now.</summary>
    public int Sessions => Volatile.Read(ref sessions);

    /// <summary>Since when no session and no server has used this pool (set by the pooler's sweep); null while used.</summary>
    public DateTimeOffset? UnusedSince { get; set; }

    public void Enter() => Interlocked.Increment(ref sessions);

    public void Leave() => Interlocked.Decrement(ref sessions);

    /// <summary>No session holds it, and it has no server.</summary>
    public bool Unused => Sessions == 0 && Total == 0;

    public PoolSnapshot Snapshot()
    {
        int all, idleNow, waiting;
        DateTimeOffset? oldestWait;
        lock (gate)
        {
            (all, idleNow, waiting, oldestWait) = (slots.Total, idle.Count, waiters.Count, waiters.First?.Since);
        }
        return new PoolSnapshot(Database, User, Math.Max(0, Clients - waiting), waiting, all - idleNow, idleNow, Limits.Size, Statistics.Snapshot())
        {
            OldestWaitSince = oldestWait,
            Paused = Paused,
        };
    }

    /// <summary>How pgway logs in to this pool's servers; set by each client that authenticates (the latest secret after a reload).</summary>
    public ServerCredentials? Credentials { get; set; }

    /// <summary>
    /// The parameters a server reported at log-in, kept from the first: later clients are greeted
    /// with them without waiting for a server (as PgBouncer does).
    /// </summary>
    public IReadOnlyDictionary<string, string>? Welcome { get; set; }

    /// <summary>Servers open or being connected.</summary>
    public int Total => slots.Total;

    public int Idle
    {
        get
        {
            lock (gate)
            {
                return idle.Count;
            }
        }
    }

    public int Waiting
    {
        get
        {
            lock (gate)
            {
                return waiters.Count;
            }
        }
    }

    /// <summary>The limits a waiting client may be held by, for its error message.</summary>
    public string Describe()
    {
        var text = $"pool {Database}/{User} of pool_size {Limits.Size}";
        if (Limits.ReserveSize > 0)
        {
            text += $" and reserve_pool_size {Limits.ReserveSize}";
        }
        foreach (var budget in (ReadOnlySpan<ConnectionBudget>)[DatabaseBudget, UserBudget])
        {
            if (budget.Exhausted)
            {
                text += $", {budget.Description} reached";
            }
        }
        return text;
    }

    /// <summary>
    /// On <paramref name="loop"/>: an idle server (attached to this loop, or detached for it to
    /// attach), or a slot reserved for the caller to connect a new one; waits while the pool is full.
    /// For a server or a slot, the caller gives it back in every case (<see cref="Release"/> or
    /// <see cref="Discard"/>); the other outcomes leave it owing nothing.
    /// </summary>
    /// <param name="wait"><c>query_wait_timeout</c>: zero waits for ever.</param>
    /// <param name="client">
    /// The waiting client: its own <see cref="PoolWaiter"/> is reused for the wait, and it is told of
    /// it so that a cancel request (or pgway stopping) can end it with <see cref="CancelWait"/>. Null:
    /// a waiter is made for this wait alone.
    /// </param>
    /// <remarks>Completes at once, with no allocation, when there is an idle server on the loop or room for a new one.</remarks>
    public ValueTask<PoolAcquisition> AcquireAsync(EpollLoop loop, TimeSpan wait, IWaitingClient? client)
    {
        var now = time.GetUtcNow();
        PoolWaiter waiter;
        ValueTask<PoolAcquisition> waited;
        EpollLoop? donor;
        lock (gate)
        {
            // Paused (the admin console's PAUSE or KILL): every client queues until RESUME.
            if (!Paused)
            {
                while (idle.TakeNewest(loop) is { } server)
                {
                    if (IsLendable(server, now))
                    {
                        return new(PoolAcquisition.Of(server));
                    }
                    server.Close();
                    slots.Return();
                }
                var failing = login.Failure(now, Limits.LoginRetry);
                if (failing is not null && slots.Total == 0)
                {
                    return new(PoolAcquisition.LoginFailing(failing));
                }
                if (failing is null && waiters.Count == 0 && slots.TryTake(Limits, reserve: false))
                {
                    return new(PoolAcquisition.Slot);
                }
            }
            waiter = client?.Waiter ?? new PoolWaiter();
            waited = waiter.Arm(loop, now, wait > TimeSpan.Zero ? now + wait : DateTimeOffset.MaxValue);
            waiters.Enqueue(waiter);
            // Idle on another loop while this one waits: that loop hands one over.
            donor = Paused ? null : idle.AnyLoop();
        }
        if (donor is not null)
        {
            PostHandOver(donor);
        }
        client?.Waiting(waiter);
        // Completes on this loop's thread, inline or posted (see PoolWaiter).
        return waited;
    }

    /// <summary>
    /// On <paramref name="loop"/>: a server back from its client, clean. A waiter on the same loop
    /// takes it as it is; one on another loop gets it detached; else it waits here, attached. A
    /// server past <c>server_lifetime</c> is closed instead.
    /// </summary>
    public void Release(PooledServer server, EpollLoop loop)
    {
        var now = time.GetUtcNow();
        var limits = Limits;
        if ((limits.Lifetime > TimeSpan.Zero && now - server.Created >= limits.Lifetime) || server.Generation != Generation || server.Lease.IsRetired || slots.OverLimits(limits))
        {
            Discard(server);
            return;
        }
        PoolWaiter? taker;
        lock (gate)
        {
            // Paused: the server waits idle here, for RESUME, whoever is queued.
            taker = Paused ? null : waiters.TakeFor(loop, now, OwnLoopPreference);
            if (taker is null)
            {
                server.IdleSince = now;
                server.LossesSeen = losses;
                idle.Add(loop, server);
                return;
            }
        }
        if (taker.Loop != loop)
        {
            server.Detach();
        }
        taker.Grant(PoolAcquisition.Of(server));
    }

    /// <summary>
    /// A server of this pool was lost under its client (closed, reset, or its FATAL read). Its member
    /// is presumed to be going away: a shutdown or a crash ends every backend at once, and an idle
    /// server's FATAL may not have been read by its loop yet (or not even written) when that client's
    /// next request comes. So the servers to the same address idle since before the loss are closed
    /// rather than lent (see <see cref="IsLendable"/>); new ones are opened, and fail fast if the
    /// member is down. A member that only lost one backend pays a few reconnections.
    /// </summary>
    /// <remarks>
    /// At most once a second per address: <c>pg_terminate_backend</c> of a client's own backend also
    /// ends it with 57P01, and a client repeating that must not make the pool reconnect every idle
    /// server each time. In a shutdown, the first loss reaches every server idle by then.
    /// </remarks>
    public void NoteServerLost(ServerLease lease)
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            if (lastLossAt.TryGetValue(lease.EndPoint, out var last) && now - last.At < LossInterval)
            {
                return;
            }
            losses++;
            lastLossAt[lease.EndPoint] = (losses, now);
        }
    }

    // Under the lock, on the loop the server is attached to (or detached): whether an idle server may
    // serve a client.
    private bool IsLendable(PooledServer server, DateTimeOffset now) =>
        server.IsUsable(now, Limits.Lifetime)
        && server.Generation == Generation
        && (server.LossesSeen == losses || !lastLossAt.TryGetValue(server.Lease.EndPoint, out var lost) || lost.Count <= server.LossesSeen);

    /// <summary>A server that cannot be reused (or a reserved slot not used): closed, and its slot offered to a waiter unless log-ins are failing.</summary>
    public void Discard(PooledServer? server)
    {
        server?.Close();
        PoolWaiter? taker;
        lock (gate)
        {
            if (Paused || login.Failure(time.GetUtcNow(), Limits.LoginRetry) is not null || waiters.TakeFirst() is not { } first)
            {
                slots.Return();
                return;
            }
            taker = first;
        }
        // The slot passes to the waiter, who connects a server of its own.
        taker.Grant(PoolAcquisition.Slot);
    }
}
