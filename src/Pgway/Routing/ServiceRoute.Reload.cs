using Pgway.Health;
using Pgway.Model;

namespace Pgway.Routing;

// A reload changes a service in place: the listener, the queue and the counters stay; new
// connections follow the new members, weights, balance and options at once.
internal sealed partial class ServiceRoute
{
    /// <summary>
    /// Routes by <paramref name="next"/> (the same service: full name, bind and port) from now on. A
    /// member with the same instance, address and port keeps its sessions and counters; a removed
    /// member's established sessions run on until they end, though no new one goes there; the
    /// balance policy is made anew only when the algorithm changed.
    /// </summary>
    public void Update(Service next, Func<ServiceMember, MemberHealth?> healthOf)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(healthOf);
        lock (gate)
        {
            var before = members;
            var after = new MemberRoute[next.Members.Length];
            for (var i = 0; i < after.Length; i++)
            {
                var member = next.Members[i];
                var kept = before.FirstOrDefault(m => m.Member.Name == member.Name
                    && m.Member.Instance.Address == member.Instance.Address && m.Member.Port == member.Port);
                after[i] = kept is null ? new MemberRoute(i, member, healthOf(member)) : kept.Follow(i, member, healthOf(member));
            }
            if (next.Balance != Service.Balance)
            {
                policy = LoadBalancingPolicies.Create(next.Balance);
            }
            members = [.. after];
            Volatile.Write(ref service, next);
            var up = members.Any(m => m.IsUp);
            if (up != wasUp)
            {
                wasUp = up;
                lastChange = time.GetUtcNow();
            }
        }
        // New members or higher limits may take waiting clients.
        ServeQueue();
    }
}
