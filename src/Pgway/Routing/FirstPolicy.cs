using Pgway.Model;

namespace Pgway.Routing;

/// <summary>
/// HAProxy's <c>first</c>: the first member in order with room, so traffic fills one member up to
/// its <c>maxconn</c> before the next takes any (useful to keep spare members idle).
/// </summary>
internal sealed class FirstPolicy : ILoadBalancingPolicy
{
    public BalanceAlgorithm Algorithm => BalanceAlgorithm.First;

    public int? Pick(IReadOnlyList<Candidate> eligible, uint clientKey)
    {
        ArgumentNullException.ThrowIfNull(eligible);
        foreach (var member in eligible)
        {
            if (member.HasRoom)
            {
                return member.Index;
            }
        }
        return null;
    }
}
