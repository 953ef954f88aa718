using Pgway.Model;

namespace Pgway.Routing;

/// <summary>Finds the policy for a service's <c>balance</c>; each service gets its own (round robin keeps state).</summary>
internal static class LoadBalancingPolicies
{
    public static ILoadBalancingPolicy Create(BalanceAlgorithm algorithm) => algorithm switch
    {
        BalanceAlgorithm.RoundRobin => new RoundRobinPolicy(),
        BalanceAlgorithm.LeastConn => new LeastConnPolicy(),
        BalanceAlgorithm.First => new FirstPolicy(),
        BalanceAlgorithm.Source => new SourcePolicy(),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "no such balance algorithm"),
    };
}
