using System.Collections.Immutable;
using Pgway.Health;
using Pgway.Model;

namespace Pgway.Routing;

/// <summary>
/// Chooses the member for each new connection to one service, by HAProxy's rules: usable members
/// (see <see cref="MemberChoice"/>), the service's balance algorithm, per-member <c>maxconn</c> scaled by
/// slowstart; when every usable member is full the client waits, first come first served, in a
/// queue bounded by <c>maxqueue</c> per member and by <c>timeout queue</c>.
/// </summary>
internal sealed partial class ServiceRoute
{
    private ILoadBalancingPolicy policy;
    private Service service;
    private ImmutableArray<MemberRoute> members;
    private readonly TimeProvider time;
    private readonly TimeSpan queueTimeout;
    private readonly Lock gate = new();
    private readonly LinkedList<Waiter> queue = new();
    // Reused under the gate, so choosing a member allocates nothing.
    private readonly List<Candidate> candidates;
    private readonly List<Candidate> eligible;
    private readonly DateTimeOffset created;
    private int maxSessions;
    private int maxQueue;
    private long redispatches;
    private long refusedNoServer;
    private long refusedQueueFull;
    private long refusedQueueTimeout;
    private bool wasUp;
    private DateTimeOffset lastChange;
    private ITimer? ramp;

    public ServiceRoute(Service service, Func<ServiceMember, MemberHealth?> healthOf, TimeSpan queueTimeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(healthOf);
        this.service = service;
        this.queueTimeout = queueTimeout;
        this.time = time;
        policy = LoadBalancingPolicies.Create(service.Balance);
        members = [.. service.Members.Select((m, i) => new MemberRoute(i, m, healthOf(m)))];
        candidates = new(Members.Length);
        eligible = new(Members.Length);
        created = lastChange = time.GetUtcNow();
        wasUp = Members.Any(m => m.IsUp);
    }

    /// <summary>The service as last loaded (see <see cref="Update"/>).</summary>
    public Service Service => Volatile.Read(ref service);

    /// <summary>The members new connections may go to; sessions on a member a reload removed keep theirs until they end.</summary>
    public ImmutableArray<MemberRoute> Members => members;

    /// <summary>Sessions on all members now.</summary>
    public int Sessions
    {
        get
        {
            var total = 0;
            foreach (var member in Members)
            {
                total += member.Sessions;
            }
            return total;
        }
    }

    /// <summary>Clients waiting for a slot now.</summary>
    public int QueueLength
    {
        get
        {
            lock (gate)
            {
                return queue.Count;
            }
        }
    }

    /// <summary>Records a member's return to up, which starts its slowstart ramp.</summary>
    public void OnHealthChanged(HealthEvent change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Service != Service.FullName)
        {
            return;
        }
        var cameUp = change.To == MemberHealthState.Up && change.From is MemberHealthState.Down or MemberHealthState.GoingUp;
        foreach (var member in Members.Where(m => m.Member.Name == change.Member))
        {
            if (cameUp)
            {
                member.MarkedUp(change.Time);
                StartRamp();
                // An active member back: clients on backups go back to it (on-marked-up shutdown-backup-sessions).
                if (!member.Member.IsBackup && Service.Options.OnMarkedUp == MarkedUpAction.ShutdownBackupSessions)
                {
                    foreach (var backup in Members.Where(m => m.Member.IsBackup))
                    {
                        backup.ShutdownSessions();
                    }
                }
            }
            // What stops writes to a demoted primary: its sessions end the moment it is marked down.
            if (change.To == MemberHealthState.Down && Service.Options.OnMarkedDown == MarkedDownAction.ShutdownSessions)
            {
                member.ShutdownSessions();
            }
        }
        lock (gate)
        {
            var up = Members.Any(m => m.IsUp);
            if (up != wasUp)
            {
                wasUp = up;
                lastChange = change.Time;
            }
        }
        // A member that came up may take waiting clients.
        ServeQueue();
    }

    /// <summary>The service's counters and each member's, for the stats page and metrics.</summary>
    public ServiceRouteSnapshot Snapshot()
    {
        var now = time.GetUtcNow();
        var slowStart = Service.Options.SlowStart;
        var members = Members.Select(m =>
        {
            var share = SlowStart.Share(m.UpSince, now, slowStart);
            var health = m.Health?.Snapshot;
            return new MemberRouteSnapshot(m.Member.Name, m.Member.Instance.Address, m.Member.Port, m.Member.IsBackup,
                health?.IsUp ?? true, health, m.Member.Weight, SlowStart.Weight(m.Member.Weight, share),
                m.Sessions, m.MaxSessions, SlowStart.MaxConn(Service.Options.MaxConn, share), m.TotalSessions,
                m.ConnectFailures, m.SessionsShutdown, m.Traffic.FromClient, m.Traffic.ToClient, health?.LastChange ?? created);
        }).ToImmutableArray();
        lock (gate)
        {
            return new ServiceRouteSnapshot(Service.FullName, members.Any(m => m.IsUp),
                members.Sum(m => m.Sessions), Volatile.Read(ref maxSessions), Service.MaxConn, members.Sum(m => m.TotalSessions),
                queue.Count, maxQueue, QueueLimit(), Interlocked.Read(ref redispatches),
                Interlocked.Read(ref refusedNoServer), Interlocked.Read(ref refusedQueueFull), Interlocked.Read(ref refusedQueueTimeout),
                lastChange, members);
        }
    }

    /// <summary>Counts a client turned away, by reason.</summary>
    internal void CountRefusal(RouteFailure failure)
    {
        switch (failure)
        {
            case RouteFailure.QueueFull:
                Interlocked.Increment(ref refusedQueueFull);
                break;
            case RouteFailure.QueueTimeout:
                Interlocked.Increment(ref refusedQueueTimeout);
                break;
            default:
                Interlocked.Increment(ref refusedNoServer);
                break;
        }
    }

    /// <summary>Counts a connection sent to another member after one refused it.</summary>
    internal void CountRedispatch() => Interlocked.Increment(ref redispatches);

    // While a member ramps up, its maxconn grows with time, not with releases: serve the queue as it does.
    private void StartRamp()
    {
        var slowStart = Service.Options.SlowStart;
        if (slowStart <= TimeSpan.Zero)
        {
            return;
        }
        lock (gate)
        {
            if (ramp is not null)
            {
                return;
            }
            var period = TimeSpan.FromTicks(Math.Max(slowStart.Ticks / 32, TimeSpan.FromMilliseconds(100).Ticks));
            ramp = time.CreateTimer(_ => RampTick(), null, period, period);
        }
    }

    private void RampTick()
    {
        ServeQueue();
        var now = time.GetUtcNow();
        if (Members.All(m => SlowStart.Share(m.UpSince, now, Service.Options.SlowStart) >= 1))
        {
            lock (gate)
            {
                ramp?.Dispose();
                ramp = null;
            }
        }
    }

    /// <summary>
    /// A member for a new connection, waiting in the queue if all are full. The caller must call
    /// <see cref="Release"/> when the session ends (or the connection to the member fails).
    /// </summary>
    /// <param name="exclude">Members already tried for this client (redispatch after a refused connection).</param>
    public async Task<(MemberRoute? Member, RouteFailure Failure)> AcquireAsync(uint clientKey, IReadOnlySet<int>? exclude, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (gate)
        {
            // First come, first served: while anyone waits, a newcomer queues behind them (as HAProxy).
            var (member, anyUsable) = TryPick(clientKey, exclude, pick: queue.Count == 0);
            if (member is not null)
            {
                return (member, RouteFailure.None);
            }
            if (!anyUsable)
            {
                return (null, RouteFailure.NoServer);
            }
            var limit = QueueLimit();
            if (limit > 0 && queue.Count >= limit)
            {
                return (null, RouteFailure.QueueFull);
            }
            waiter = new Waiter(clientKey, exclude);
            waiter.Node = queue.AddLast(waiter);
            Peak.Raise(ref maxQueue, queue.Count);
            // Queued behind others while a slot may be free that they cannot use (members they
            // already failed on): serve the queue in order now rather than at the next release.
            ServeQueue();
        }
        using var timeout = new CancellationTokenSource(queueTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var member = await waiter.Slot.Task.WaitAsync(linked.Token);
            return member is null ? (null, RouteFailure.NoServer) : (member, RouteFailure.None);
        }
        catch (OperationCanceledException)
        {
            lock (gate)
            {
                if (waiter.Node!.List is not null)
                {
                    queue.Remove(waiter.Node);
                }
            }
            // A slot granted at the very moment of the timeout is not lost: hand it back.
            if (waiter.Slot.Task.IsCompletedSuccessfully && waiter.Slot.Task.Result is { } granted)
            {
                Release(granted);
            }
            cancellationToken.ThrowIfCancellationRequested();
            return (null, RouteFailure.QueueTimeout);
        }
    }

    /// <summary>Ends a session on a member and gives its slot to the first client waiting.</summary>
    public void Release(MemberRoute member)
    {
        ArgumentNullException.ThrowIfNull(member);
        lock (gate)
        {
            // Under the gate, so the freed slot goes to the queue before any newcomer sees it.
            member.SessionEnded();
            ServeQueue();
        }
    }

    private void ServeQueue()
    {
        SignalChange();
        lock (gate)
        {
            // Every waiter in order: one that cannot use the free member (it already failed there)
            // must not hold back those behind it.
            for (var node = queue.First; node is not null;)
            {
                var next = node.Next;
                var (member, anyUsable) = TryPick(node.Value.ClientKey, node.Value.Exclude, pick: true);
                if (member is not null || !anyUsable)
                {
                    // With no usable member left, waiting is pointless: HAProxy fails queued connections.
                    queue.Remove(node);
                    if (!node.Value.Slot.TrySetResult(member) && member is not null)
                    {
                        member.SessionEnded();
                    }
                }
                node = next;
            }
        }
    }

    // Under the gate: choose and count in one step, so two clients never take the same last slot.
    private (MemberRoute? Member, bool AnyUsable) TryPick(uint clientKey, IReadOnlySet<int>? exclude, bool pick, bool strict = false)
    {
        var now = time.GetUtcNow();
        candidates.Clear();
        foreach (var member in Members)
        {
            var share = SlowStart.Share(member.UpSince, now, Service.Options.SlowStart);
            candidates.Add(new Candidate(member.Index, strict ? member.IsFullyUp : member.IsUp, member.Member.IsBackup,
                SlowStart.Weight(member.Member.Weight, share), member.Sessions, SlowStart.MaxConn(Service.Options.MaxConn, share)));
        }
        MemberChoice.Eligible(candidates, Service.AllBackups, eligible);
        // Members this client already failed on are left out after the choice of actives or backups:
        // one refusal from an active member must not send the client to a backup.
        if (exclude is not null)
        {
            eligible.RemoveAll(c => exclude.Contains(c.Index));
        }
        if (eligible.Count == 0)
        {
            return (null, false);
        }
        if (!pick)
        {
            return (null, true);
        }
        // The service's own maxconn (HAProxy's listen maxconn) holds clients back like full members do.
        if (Service.MaxConn > 0 && Sessions >= Service.MaxConn)
        {
            return (null, true);
        }
        if (policy.Pick(eligible, clientKey) is not { } index)
        {
            return (null, true);
        }
        var chosen = Members[index];
        chosen.SessionStarted();
        Peak.Raise(ref maxSessions, Sessions);
        return (chosen, true);
    }

    /// <summary>
    /// Connections the service's port holds at most, in any stage: the service's maxconn served and
    /// its queue waiting (maxqueue per member up; an unbounded queue counts as maxconn more). Beyond
    /// it a client is refused at accept. No bound without a service maxconn.
    /// </summary>
    internal int AcceptLimit
    {
        get
        {
            var maxConn = Service.MaxConn;
            if (maxConn <= 0)
            {
                return int.MaxValue;
            }
            var queue = QueueLimit();
            return (int)Math.Min(int.MaxValue, (long)maxConn + (queue > 0 ? queue : maxConn));
        }
    }

    // HAProxy bounds each server's queue by maxqueue; the service's queue holds that many per usable member.
    private int QueueLimit()
    {
        if (Service.Options.MaxQueue == 0)
        {
            return 0;
        }
        var up = 0;
        foreach (var member in Members)
        {
            up += member.IsUp ? 1 : 0;
        }
        return Service.Options.MaxQueue * Math.Max(1, up);
    }

    private sealed class Waiter(uint clientKey, IReadOnlySet<int>? exclude)
    {
        public uint ClientKey { get; } = clientKey;

        public IReadOnlySet<int>? Exclude { get; } = exclude;

        /// <summary>The member granted, or null when no member is usable any more.</summary>
        public TaskCompletionSource<MemberRoute?> Slot { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }
    }
}
