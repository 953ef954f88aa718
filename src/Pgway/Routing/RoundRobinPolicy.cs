using Pgway.Model;

namespace Pgway.Routing;

/// <summary>
/// Weighted round robin, smooth: every pick adds each member's weight to its running score, takes
/// the highest, and takes the total back from it. Weights 5:1:1 give a a b a c a a rather than
/// a a a a a b c, so no member gets a burst. Full members are skipped this turn without losing
/// their place.
/// </summary>
internal sealed class RoundRobinPolicy : ILoadBalancingPolicy
{
    private readonly Lock gate = new();
    private readonly Dictionary<int, long> scores = [];

    public BalanceAlgorithm Algorithm => BalanceAlgorithm.RoundRobin;

    public int? Pick(IReadOnlyList<Candidate> eligible, uint clientKey)
    {
        ArgumentNullException.ThrowIfNull(eligible);
        lock (gate)
        {
            long total = 0;
            Candidate? best = null;
            long bestScore = long.MinValue;
            foreach (var member in eligible)
            {
                if (!member.HasRoom)
                {
                    continue;
                }
                var score = scores.GetValueOrDefault(member.Index) + member.Weight;
                scores[member.Index] = score;
                total += member.Weight;
                if (score > bestScore)
                {
                    (best, bestScore) = (member, score);
                }
            }
            if (best is not { } chosen)
            {
                return null;
            }
            scores[chosen.Index] = bestScore - total;
            return chosen.Index;
        }
    }
}
