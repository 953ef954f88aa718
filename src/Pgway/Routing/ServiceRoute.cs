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
public sealed class ServiceRoute
{
    private readonly ILoadBalancingPolicy policy;
    private readonly TimeProvider time;
    private readonly TimeSpan queueTimeout;
    private readonly Lock gate = new();
    private readonly LinkedList<Waiter> queue = new();

    public ServiceRoute(Service service, Func<ServiceMember, MemberHealth?> healthOf, TimeSpan queueTimeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(healthOf);
        Service = service;
        this.queueTimeout = queueTimeout;
        this.time = time;
        policy = LoadBalancingPolicies.Create(service.Balance);
        Members = [.. service.Members.Select((m, i) => new MemberRoute(i, m, healthOf(m)))];
    }

    public Service Service { get; }

    public ImmutableArray<MemberRoute> Members { get; }

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
        // A member that came up may take waiting clients.
        ServeQueue();
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
    private (MemberRoute? Member, bool AnyUsable) TryPick(uint clientKey, IReadOnlySet<int>? exclude, bool pick)
    {
        var now = time.GetUtcNow();
        var candidates = new List<Candidate>(Members.Length);
        foreach (var member in Members)
        {
            var share = SlowStart.Share(member.UpSince, now, Service.Options.SlowStart);
            candidates.Add(new Candidate(member.Index, member.IsUp, member.Member.IsBackup,
                SlowStart.Weight(member.Member.Weight, share), member.Sessions, SlowStart.MaxConn(Service.Options.MaxConn, share)));
        }
        var eligible = MemberChoice.Eligible(candidates);
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
        return (chosen, true);
    }

    // HAProxy bounds each server's queue by maxqueue; the service's queue holds that many per usable member.
    private int QueueLimit() => Service.Options.MaxQueue == 0 ? 0 : Service.Options.MaxQueue * Math.Max(1, Members.Count(m => m.IsUp));

    private sealed class Waiter(uint clientKey, IReadOnlySet<int>? exclude)
    {
        public uint ClientKey { get; } = clientKey;

        public IReadOnlySet<int>? Exclude { get; } = exclude;

        /// <summary>The member granted, or null when no member is usable any more.</summary>
        public TaskCompletionSource<MemberRoute?> Slot { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }
    }
}
