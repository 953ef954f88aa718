using System.Threading.Tasks.Sources;
using Pgway.Protocol;
using Pgway.Routing.Epoll;

namespace Pgway.Pooling;

/// <summary>
/// The server connections of one (database, user), shared by every loop. Idle servers wait on the
/// loop of their last client, and a client takes one of its own loop's first (no system call);
/// failing that, one idle on another loop is handed over. A client that finds none and no room
/// waits, first come first served; after <c>reserve_pool_timeout</c> it may open one of the
/// reserve. Every server also counts against its database's and its user's budget
/// (<c>max_db_connections</c>, <c>max_user_connections</c>), shared with other pools.
/// </summary>
/// <remarks>Every method that touches a server is called on the loop that server is attached to.</remarks>
internal sealed partial class ServerPool(string database, string user, PoolLimits limits, ConnectionBudget databaseBudget, ConnectionBudget userBudget, TimeProvider time)
{
    // How long the first waiter may be passed over for one on the loop a server is released on.
    private static readonly TimeSpan OwnLoopPreference = TimeSpan.FromMilliseconds(2);

    private readonly Lock gate = new();
    // Per loop, oldest first: the most recently used is taken first, the oldest ages out.
    private readonly Dictionary<EpollLoop, List<PooledServer>> idle = [];
    private readonly LinkedList<Waiter> waiters = new();
    private int total;
    private int idleCount;
    private DateTimeOffset loginFailedAt;
    private string? loginError;
    private int clients;
    private PoolLimits limits = limits;

    public string Database { get; } = database;

    public string User { get; } = user;

    /// <summary>The limits now: a reload (or the admin console's SET) swaps them.</summary>
    public PoolLimits Limits
    {
        get => Volatile.Read(ref limits);
        set => Volatile.Write(ref limits, value);
    }

    public ConnectionBudget DatabaseBudget { get; } = databaseBudget;

    public ConnectionBudget UserBudget { get; } = userBudget;

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
            (all, idleNow, waiting, oldestWait) = (total, idleCount, waiters.Count, waiters.First?.Value.Since);
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

    public int Total
    {
        get
        {
            lock (gate)
            {
                return total;
            }
        }
    }

    public int Idle
    {
        get
        {
            lock (gate)
            {
                return idleCount;
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
    /// attach), or null with a slot reserved for the caller to connect a new one; waits while the pool
    /// is full. The caller gives the slot back in every case (<see cref="Release"/> or <see cref="Discard"/>).
    /// </summary>
    /// <exception cref="ServerLoginException">Logging in to the server has been failing (<c>server_login_retry</c>) and the pool has no server to wait for.</exception>
    /// <param name="client">Told of its wait, if it has to wait, so that a cancel request (or pgway stopping) can end it with <see cref="CancelWait"/>.</param>
    /// <remarks>Completes at once, with no allocation, when there is an idle server on the loop or room for a new one.</remarks>
    public ValueTask<PooledServer?> AcquireAsync(EpollLoop loop, TimeSpan wait, IWaitingClient? client)
    {
        var now = time.GetUtcNow();
        Waiter waiter;
        EpollLoop? donor;
        lock (gate)
        {
            // Paused (the admin console's PAUSE or KILL): every client queues until RESUME.
            if (!Paused)
            {
                if (idle.TryGetValue(loop, out var mine))
                {
                    while (mine.Count > 0)
                    {
                        var server = mine[^1];
                        mine.RemoveAt(mine.Count - 1);
                        idleCount--;
                        if (server.IsUsable(now, Limits.Lifetime) && server.Generation == Generation)
                        {
                            return new(server);
                        }
                        server.Close();
                        ReturnSlot();
                    }
                }
                var failing = LoginFailure(now);
                if (failing is not null && total == 0)
                {
                    throw LoginFailingError(failing);
                }
                if (failing is null && waiters.Count == 0 && TryTakeSlot(reserve: false))
                {
                    return new((PooledServer?)null);
                }
            }
            waiter = new Waiter(loop, now, wait > TimeSpan.Zero ? now + wait : DateTimeOffset.MaxValue);
            waiters.AddLast(waiter);
            // Idle on another loop while this one waits: that loop hands one over.
            donor = Paused ? null : LoopWithIdle();
        }
        if (donor is not null)
        {
            PostHandOver(donor);
        }
        client?.Waiting(waiter);
        // Completes on this loop's thread, inline or posted (see Waiter).
        return waiter.Task;
    }

    /// <summary>The client cancelled its request while waiting (a cancel request with its key): it leaves the queue.</summary>
    public void CancelWait(Waiter waiter, Exception? error = null)
    {
        lock (gate)
        {
            waiters.Remove(waiter);
        }
        waiter.Fail(error ?? new WaitCancelledException());
    }

    /// <summary>Fails the waiters whose <c>query_wait_timeout</c> has passed; the pooler calls it a few times a second.</summary>
    public void ExpireWaiters(DateTimeOffset now)
    {
        List<Waiter>? expired = null;
        lock (gate)
        {
            for (var node = waiters.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Deadline <= now)
                {
                    waiters.Remove(node);
                    (expired ??= []).Add(node.Value);
                }
                node = next;
            }
        }
        expired?.ForEach(w => w.Fail(new TimeoutException()));
    }

    /// <summary>
    /// Gives waiting clients the slots that have opened: a budget shared with another pool freed, the
    /// reserve now open to those that waited <c>reserve_pool_timeout</c>, or <c>server_login_retry</c>
    /// over. Returns the shared budget that still holds a waiter back, if any, so the pooler can close
    /// an idle server of another pool under it.
    /// </summary>
    public ConnectionBudget? ServeWaiters(DateTimeOffset now)
    {
        List<Waiter>? granted = null;
        ConnectionBudget? blocked = null;
        lock (gate)
        {
            if (LoginFailure(now) is null && !Paused)
            {
                while (waiters.First is { } first)
                {
                    var reserve = Limits.ReserveSize > 0 && now - first.Value.Since >= Limits.ReserveTimeout;
                    if (!TryTakeSlot(reserve))
                    {
                        blocked = total < Limits.Size + (reserve ? Limits.ReserveSize : 0)
                            ? DatabaseBudget.Exhausted ? DatabaseBudget : UserBudget.Exhausted ? UserBudget : null
                            : null;
                        break;
                    }
                    waiters.RemoveFirst();
                    (granted ??= []).Add(first.Value);
                }
            }
        }
        foreach (var waiter in granted ?? [])
        {
            if (!waiter.Grant(null))
            {
                Discard(null);
            }
        }
        return blocked;
    }

    /// <summary>
    /// On <paramref name="loop"/>: a server back from its client, clean. A waiter on the same loop
    /// takes it as it is; one on another loop gets it detached; else it waits here, attached. A
    /// server past <c>server_lifetime</c> is closed instead.
    /// </summary>
    public void Release(PooledServer server, EpollLoop loop)
    {
        var now = time.GetUtcNow();
        if ((Limits.Lifetime > TimeSpan.Zero && now - server.Created >= Limits.Lifetime) || server.Generation != Generation || server.Lease.IsRetired || OverLimits())
        {
            Discard(server);
            return;
        }
        Waiter? taker = null;
        lock (gate)
        {
            // A waiter on this loop takes it with no hand-over, unless the first in the queue has
            // waited long enough: first come, first served wins then, or a loop whose clients keep
            // coming back would starve the other loops' clients. Paused: the server waits idle
            // here, for RESUME, whoever is queued.
            if (!Paused && waiters.First is { } head)
            {
                if (head.Value.Loop != loop && now - head.Value.Since < OwnLoopPreference)
                {
                    for (var node = head.Next; node is not null; node = node.Next)
                    {
                        if (node.Value.Loop == loop)
                        {
                            waiters.Remove(node);
                            taker = node.Value;
                            break;
                        }
                    }
                }
                if (taker is null)
                {
                    waiters.RemoveFirst();
                    taker = head.Value;
                    if (taker.Loop != loop)
                    {
                        server.Detach();
                    }
                }
            }
            if (taker is null)
            {
                if (!idle.TryGetValue(loop, out var list))
                {
                    idle[loop] = list = [];
                }
                server.IdleSince = now;
                list.Add(server);
                idleCount++;
                return;
            }
        }
        if (!taker.Grant(server))
        {
            // The waiter gave up at that very moment: the server goes back, attached here.
            server.AttachTo(loop);
            Release(server, loop);
        }
    }

    /// <summary>A server that cannot be reused (or a reserved slot not used): closed, and its slot offered to a waiter unless log-ins are failing.</summary>
    public void Discard(PooledServer? server)
    {
        server?.Close();
        while (true)
        {
            Waiter? taker;
            lock (gate)
            {
                if (waiters.First is not { } first || Paused || LoginFailure(time.GetUtcNow()) is not null)
                {
                    ReturnSlot();
                    return;
                }
                waiters.RemoveFirst();
                taker = first.Value;
            }
            // The slot passes to the waiter, who connects a server of its own.
            if (taker.Grant(null))
            {
                return;
            }
        }
    }

    /// <summary>
    /// A reserved slot whose server could not be connected or logged in to: the slot is given back,
    /// no new server is tried for <c>server_login_retry</c>, and when the pool is left with no server
    /// to wait for, the waiting clients are told now.
    /// </summary>
    public void ConnectFailed(string error)
    {
        List<Waiter>? told = null;
        lock (gate)
        {
            loginFailedAt = time.GetUtcNow();
            loginError = error;
            ReturnSlot();
            if (total == 0)
            {
                told = [.. waiters];
                waiters.Clear();
            }
        }
        told?.ForEach(w => w.Fail(LoginFailingError(error)));
    }

    public void NoteLoginSuccess()
    {
        lock (gate)
        {
            loginError = null;
        }
    }

    /// <summary>
    /// On <paramref name="loop"/>: closes its idle servers that are past <c>server_lifetime</c>, idle
    /// longer than <c>server_idle_timeout</c> (keeping <c>min_pool_size</c>), or closed by the server.
    /// </summary>
    public void CloseExpiredIdle(EpollLoop loop, DateTimeOffset now)
    {
        lock (gate)
        {
            if (!idle.TryGetValue(loop, out var list))
            {
                return;
            }
            for (var i = 0; i < list.Count;)
            {
                var server = list[i];
                var idleTooLong = Limits.IdleTimeout > TimeSpan.Zero && now - server.IdleSince >= Limits.IdleTimeout && total > Limits.MinSize;
                if (idleTooLong || !server.IsUsable(now, Limits.Lifetime) || server.Generation != Generation)
                {
                    list.RemoveAt(i);
                    idleCount--;
                    server.Close();
                    ReturnSlot();
                    continue;
                }
                i++;
            }
        }
    }

    /// <summary>On <paramref name="loop"/>: closes one of its idle servers, to free a budget another pool waits for.</summary>
    public void CloseOneIdle(EpollLoop loop)
    {
        lock (gate)
        {
            if (idle.TryGetValue(loop, out var list) && list.Count > 0)
            {
                // The oldest: the one least likely to be wanted soon.
                var server = list[0];
                list.RemoveAt(0);
                idleCount--;
                server.Close();
                ReturnSlot();
            }
        }
    }

    /// <summary>Slots for the servers missing to <c>min_pool_size</c>: the caller connects that many (once a client has logged in, and while log-ins work).</summary>
    public int TakeSlotsForMinimum(DateTimeOffset now)
    {
        lock (gate)
        {
            var taken = 0;
            while (Credentials is not null && LoginFailure(now) is null && total < Limits.MinSize && TryTakeSlot(reserve: false))
            {
                taken++;
            }
            return taken;
        }
    }

    /// <summary>Closes the idle servers attached to <paramref name="loop"/> (at stop, on that loop).</summary>
    public void CloseIdle(EpollLoop loop)
    {
        lock (gate)
        {
            if (idle.TryGetValue(loop, out var list))
            {
                foreach (var server in list)
                {
                    server.Close();
                    ReturnSlot();
                }
                idleCount -= list.Count;
                list.Clear();
            }
        }
    }

    /// <summary>The loops that hold idle servers now.</summary>
    public EpollLoop[] LoopsWithIdle()
    {
        lock (gate)
        {
            return [.. idle.Where(l => l.Value.Count > 0).Select(l => l.Key)];
        }
    }

    private static ServerLoginException LoginFailingError(string error) =>
        new(SqlState.ConnectionFailure, $"pgway: server login has been failing, try again later (server_login_retry): {error}");

    private string? LoginFailure(DateTimeOffset now) =>
        loginError is not null && now - loginFailedAt < Limits.LoginRetry ? loginError : null;

    // Under the gate: room in the pool (with the reserve, for a client that waited long enough) and in both budgets.
    private bool TryTakeSlot(bool reserve)
    {
        if (total >= Limits.Size + (reserve ? Limits.ReserveSize : 0) || !DatabaseBudget.TryTake())
        {
            return false;
        }
        if (!UserBudget.TryTake())
        {
            DatabaseBudget.Return();
            return false;
        }
        total++;
        return true;
    }

    private void ReturnSlot()
    {
        total--;
        DatabaseBudget.Return();
        UserBudget.Return();
    }

    // Under the gate: a loop with an idle server, without the enumerator a LINQ query would allocate.
    private EpollLoop? LoopWithIdle()
    {
        foreach (var (loop, servers) in idle)
        {
            if (servers.Count > 0)
            {
                return loop;
            }
        }
        return null;
    }

    // A method of its own: a lambda in AcquireAsync would make its closure on every call, the
    // served-at-once ones too.
    private void PostHandOver(EpollLoop donor) => donor.Post(() => HandOver(donor));

    // On the donor loop: one of its idle servers, detached, to the first waiter.
    private void HandOver(EpollLoop donor)
    {
        Waiter? taker;
        PooledServer server;
        lock (gate)
        {
            if (Paused || waiters.First is not { } first || !idle.TryGetValue(donor, out var list) || list.Count == 0)
            {
                return;
            }
            server = list[^1];
            list.RemoveAt(list.Count - 1);
            idleCount--;
            if (!server.IsUsable(time.GetUtcNow(), Limits.Lifetime) || server.Generation != Generation)
            {
                taker = null;
            }
            else
            {
                waiters.RemoveFirst();
                taker = first.Value;
            }
        }
        if (taker is null)
        {
            // Closed by the database while idle, or too old: its slot goes to the waiter instead.
            Discard(server);
            return;
        }
        server.Detach();
        if (!taker.Grant(server))
        {
            server.AttachTo(donor);
            Release(server, donor);
        }
    }

    /// <summary>
    /// A client waiting for a server, resumed on its own loop: inline when the server is granted on
    /// that loop, posted to it otherwise; no thread-pool hop, no timer of its own (the pooler expires
    /// waiters by their deadline).
    /// </summary>
    internal sealed class Waiter(EpollLoop loop, DateTimeOffset since, DateTimeOffset deadline) : IValueTaskSource<PooledServer?>
    {
        private ManualResetValueTaskSourceCore<PooledServer?> core;
        private int settled;

        public EpollLoop Loop { get; } = loop;

        public DateTimeOffset Since { get; } = since;

        public DateTimeOffset Deadline { get; } = deadline;

        public ValueTask<PooledServer?> Task => new(this, core.Version);

        /// <summary>The server (or null: a slot to connect one); false when the waiter is gone already.</summary>
        public bool Grant(PooledServer? server)
        {
            if (Interlocked.Exchange(ref settled, 1) != 0)
            {
                return false;
            }
            if (Loop.IsCurrent)
            {
                core.SetResult(server);
            }
            else
            {
                PostResult(server);
            }
            return true;
        }

        // A method of its own: a lambda in Grant would make its closure on every grant, the inline ones too.
        private void PostResult(PooledServer? server) => Loop.Post(() => core.SetResult(server));

        public void Fail(Exception error)
        {
            if (Interlocked.Exchange(ref settled, 1) == 0)
            {
                Loop.Post(() => core.SetException(error));
            }
        }

        public PooledServer? GetResult(short token) => core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            core.OnCompleted(continuation, state, token, flags & ~(ValueTaskSourceOnCompletedFlags.UseSchedulingContext | ValueTaskSourceOnCompletedFlags.FlowExecutionContext));
    }
}
