using System.Collections.Concurrent;

namespace Pgway.Health;

// Fencing an instance by hand or by a switchover without Patroni: every member of the cluster's services
// with that instance goes down and stays down (MAINT) until the fence is cleared. The fence outlives a
// reload (members made anew are fenced too) but not the process: the server-side fence (read-only) does.
internal sealed partial class HealthMonitor
{
    // Instance names (unique across clusters: <cluster>-<seq>) fenced now, with why.
    private readonly ConcurrentDictionary<string, string> fenced = new(StringComparer.Ordinal);

    /// <summary>The instances fenced now, with the reason given.</summary>
    public IReadOnlyDictionary<string, string> Fenced => fenced;

    /// <summary>
    /// Fences <paramref name="member"/> (an instance name) in every service: down at once, each change published
    /// on <see cref="StateChanged"/> (so pooled services close its servers), and down whatever its checks or the
    /// DCS say until <see cref="Unfence"/>. Returns the changes.
    /// </summary>
    public IReadOnlyList<HealthEvent> Fence(string member, string reason)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(reason);
        fenced[member] = reason;
        var now = time.GetUtcNow();
        var cause = new CheckResult(CheckStatus.Fenced, null, TimeSpan.Zero, now, reason);
        var changes = new List<HealthEvent>();
        foreach (var health in members)
        {
            if (health.Member.Name == member && health.Fence(cause, now) is { } change)
            {
                Publish(change);
                changes.Add(change);
            }
        }
        return changes;
    }

    /// <summary>Clears the fence of <paramref name="member"/>: its checks decide again (it comes up after <c>rise</c> passes); false when it was not fenced.</summary>
    public bool Unfence(string member)
    {
        ArgumentNullException.ThrowIfNull(member);
        var was = fenced.TryRemove(member, out _);
        foreach (var health in members)
        {
            if (health.Member.Name == member)
            {
                was |= health.Unfence();
            }
        }
        if (was)
        {
            LogUnfenced(logger, member);
        }
        return was;
    }

    // A reload's new members of a fenced instance start fenced.
    private void FenceNew(IEnumerable<MemberHealth> made)
    {
        var now = time.GetUtcNow();
        foreach (var health in made)
        {
            if (fenced.TryGetValue(health.Member.Name, out var reason))
            {
                health.Fence(new CheckResult(CheckStatus.Fenced, null, TimeSpan.Zero, now, reason), now);
            }
        }
    }
}
