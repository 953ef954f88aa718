using Pgway.Model;

namespace Pgway.Routing;

/// <summary>A balance algorithm: picks one of the eligible members that has room for another connection.</summary>
internal interface ILoadBalancingPolicy
{
    BalanceAlgorithm Algorithm { get; }

    /// <summary>The chosen member's <see cref="Candidate.Index"/>, or null when every eligible member is full.</summary>
    /// <param name="eligible">Usable members in service order (see <see cref="MemberChoice"/>).</param>
    /// <param name="clientKey">A stable hash of the client's address, for <c>source</c>.</param>
    int? Pick(IReadOnlyList<Candidate> eligible, uint clientKey);
}
