using System.Collections.Immutable;
using Pgway.Model;

namespace Pgway.Health;

// A reload hands the monitor the new services: members that keep their check keep their state
// (a member down stays down), the others start afresh; probers whose members are unchanged keep
// running, the rest are stopped and replaced.
internal sealed partial class HealthMonitor
{
    /// <summary>
    /// Monitors <paramref name="services"/> from now on instead of the services it had. A member of
    /// the same service (by full name) and instance, with the same check target, expected status,
    /// <c>rise</c> and <c>fall</c>, keeps its state and schedule; every other member starts as a new
    /// one would. Not to be called concurrently with itself.
    /// </summary>
    public async Task UpdateAsync(IEnumerable<Service> services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var now = time.GetUtcNow();
        var before = members;
        var next = new List<MemberHealth>();
        foreach (var service in services)
        {
            foreach (var member in service.Members)
            {
                var target = TargetOf(service, member);
                var kept = before.FirstOrDefault(m => m.Service.FullName == service.FullName && m.Member.Name == member.Name);
                next.Add(kept is not null && kept.CanFollow(service, target) ? kept.Follow(service, member) : new MemberHealth(service, member, target, now));
            }
        }
        FenceNew(next.Where(m => !before.Contains(m)));
        var beforeProbers = probers;
        var nextProbers = new List<HealthProber>();
        var added = new List<HealthProber>();
        foreach (var group in next.Where(m => m.Target is not null).GroupBy(m => m.Target!))
        {
            var same = beforeProbers.FirstOrDefault(p => p.Target == group.Key && p.Members.SequenceEqual(group));
            if (same is null)
            {
                same = NewProber(group.Key, [.. group]);
                added.Add(same);
            }
            nextProbers.Add(same);
        }
        var removed = beforeProbers.Where(p => !nextProbers.Contains(p)).ToList();
        members = [.. next];
        probers = [.. nextProbers];
        LogUpdated(logger, next.Count, nextProbers.Count, added.Count, removed.Count);
        if (Volatile.Read(ref started) == 0)
        {
            // Not running yet: the replaced probers never ran, so their probes are closed here.
            foreach (var prober in removed)
            {
                await prober.DisposeProbeAsync();
            }
            return;
        }
        // The old prober of a member stops before its new one starts: one writer per member at a time.
        foreach (var prober in removed)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await StopProberAsync(prober);
        }
        foreach (var prober in added)
        {
            StartProber(prober);
        }
    }
}
