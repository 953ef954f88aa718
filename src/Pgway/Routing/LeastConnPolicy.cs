using Pgway.Model;

namespace Pgway.Routing;

/// <summary>
/// Fewest connections for the weight (HAProxy's <c>leastconn</c>, best for long sessions such as
/// PostgreSQL's): the member with the lowest <c>(sessions + 1) / weight</c>; ties go round robin so
/// idle members share the first connections.
/// </summary>
internal sealed class LeastConnPolicy : ILoadBalancingPolicy
{
    private int turn;

    public BalanceAlgorithm Algorithm => BalanceAlgorithm.LeastConn;

    public int? Pick(IReadOnlyList<Candidate> eligible, uint clientKey)
    {
        ArgumentNullException.ThrowIfNull(eligible);
        var start = eligible.Count == 0 ? 0 : (int)((uint)Interlocked.Increment(ref turn) % (uint)eligible.Count);
        Candidate? best = null;
        for (var i = 0; i < eligible.Count; i++)
        {
            var member = eligible[(start + i) % eligible.Count];
            // Cross-multiplied to compare (s+1)/w without division: a strictly lower load wins.
            if (member.HasRoom && (best is not { } b || (long)(member.Sessions + 1) * b.Weight < (long)(b.Sessions + 1) * member.Weight))
            {
                best = member;
            }
        }
        return best?.Index;
    }
}
