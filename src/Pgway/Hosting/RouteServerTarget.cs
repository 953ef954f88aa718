using System.Collections.Concurrent;
using System.Net;
using Pgway.Health;
using Pgway.Pooling;
using Pgway.Routing;
using Pgway.Transport;

namespace Pgway.Hosting;

/// <summary>
/// A <c>dest: pool</c> service's servers: each new server connection goes to the member the
/// service's route chooses now (health, backups, balance, maxconn), to that member's postgres, and
/// counts as a session on it. The target follows the members: a member marked DOWN, or answering a
/// check that it is not what the service wants, is fenced (its servers closed at once, even
/// mid-transaction); a member merely no longer chosen
/// (a backup once an active one is back, or one a reload removed) is retired, its servers closed
/// when their transaction ends.
/// </summary>
internal sealed class RouteServerTarget(ServiceRoute route, TimeProvider time) : IServerTarget
{
    private readonly ConcurrentDictionary<ServerLease, MemberRoute> open = new();
    // Members a connection just failed to: avoided until their next health change, or fastinter.
    private readonly ConcurrentDictionary<string, DateTimeOffset> avoided = new(StringComparer.Ordinal);
    private int nextKey;

    public event Action<ServerLease>? Fenced;

    /// <summary>Server connections open (or being opened) now, by member name.</summary>
    public IReadOnlyDictionary<string, int> OpenByMember() =>
        open.Values.GroupBy(m => m.Member.Name).ToDictionary(g => g.Key, g => g.Count());

    public ServerLease? TryLease()
    {
        if (route.TryTake((uint)Interlocked.Increment(ref nextKey), Avoided()) is not { } member)
        {
            return null;
        }
        var endPoint = new IPEndPoint(IPAddress.Parse(member.Member.Instance.Address), member.Member.Instance.PgPort);
        ServerLease? lease = null;
        lease = new ServerLease(endPoint, member.Member.Name, () =>
        {
            open.TryRemove(lease!, out _);
            route.Release(member);
        });
        open[lease] = member;
        // Marked down between the choice and now: the event is past, so the lease is fenced here.
        if (!member.IsFullyUp || !route.Members.Contains(member))
        {
            lease.Fence();
        }
        return lease;
    }

    public Task WaitForChangeAsync(CancellationToken cancellationToken)
    {
        var changed = route.WaitForChangeAsync(cancellationToken);
        // Taken whole: a health change may empty it meanwhile.
        var times = avoided.Values;
        if (times.Count == 0)
        {
            return changed;
        }
        // An avoided member may be tried again when its time is up, changed or not.
        var until = times.Min() - time.GetUtcNow();
        return Task.WhenAny(changed, Task.Delay(until > TimeSpan.Zero ? until : TimeSpan.Zero, time, cancellationToken));
    }

    public bool RetriesElsewhere => true;

    // A primary service: the DCS watch may mark the new leader up before its promotion completes.
    public bool WaitsForPromotion => Dcs.LeaderRules.IsPrimaryCheck(route.Service.Check);

    public void Failed(ServerLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (lease.Member is { } name)
        {
            avoided[name] = time.GetUtcNow() + route.Service.Options.FastInter;
        }
    }

    // The indexes of members avoided now; null (no allocation) when none is.
    private HashSet<int>? Avoided()
    {
        if (avoided.IsEmpty)
        {
            return null;
        }
        var now = time.GetUtcNow();
        HashSet<int>? indexes = null;
        foreach (var (name, until) in avoided)
        {
            if (until <= now)
            {
                avoided.TryRemove(new KeyValuePair<string, DateTimeOffset>(name, until));
                continue;
            }
            foreach (var member in route.Members)
            {
                if (member.Member.Name == name)
                {
                    (indexes ??= []).Add(member.Index);
                }
            }
        }
        return indexes;
    }

    public string Describe() => $"service {route.Service.FullName}";

    /// <summary>The health monitor's events: a member of this service leaving UP is fenced; the rest is sorted out by <see cref="Refresh"/>.</summary>
    public void OnHealthChanged(HealthEvent change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Service != route.Service.FullName)
        {
            return;
        }
        if (Fences(change))
        {
            Fence(change.Member);
        }
        // Its state is known now: no need to avoid it any longer.
        avoided.TryRemove(change.Member, out _);
        Refresh();
    }

    // A member's servers are fenced when a check answered that it is not what the service wants (a
    // 503 from Patroni's /primary on a demoted node), or the DCS or an operator took it out: a write
    // there must stop now, not after `fall` checks. A check that merely got no answer (a timeout, a
    // refused or reset connection) may be a blip of a loaded machine or network: the member takes no
    // new server, its transactions run on, and its servers are fenced once `fall` marks it DOWN
    // (HAProxy's on-marked-down shutdown-sessions).
    private static bool Fences(HealthEvent change) =>
        change.From is MemberHealthState.Up or MemberHealthState.GoingDown && change.To == MemberHealthState.Down
        || change.From == MemberHealthState.Up && change.To == MemberHealthState.GoingDown
            && change.Result.Status is CheckStatus.L7Status or CheckStatus.Dcs or CheckStatus.Fenced;

    /// <summary>After a health change or a reload: servers of members no new server would go to now are retired.</summary>
    public void Refresh()
    {
        var eligible = route.EligibleForPool();
        foreach (var (lease, member) in open)
        {
            if (!eligible.Contains(member))
            {
                lease.Retire();
            }
        }
    }

    /// <summary>Every server of <paramref name="memberName"/> is fenced: none runs another statement.</summary>
    public int Fence(string memberName)
    {
        var fenced = 0;
        foreach (var (lease, member) in open)
        {
            if (member.Member.Name == memberName && lease.Fence())
            {
                fenced++;
                Fenced?.Invoke(lease);
            }
        }
        return fenced;
    }
}
