using Pgway.Model;
using Pgway.Switchover;

namespace Pgway.Hosting;

/// <summary>What following Patroni's leader key acts on: the routing of the members, the pooled primary services and the new leader's REST API.</summary>
internal interface ILeaderRouting
{
    /// <summary>The hosted instance named <paramref name="leader"/> in <paramref name="cluster"/>, or null when none is hosted by that name.</summary>
    Instance? FindLeader(string cluster, string leader);

    /// <summary>Marks the members of the cluster's primary services up or down as <paramref name="leader"/> says (null: none is).</summary>
    void FollowLeader(string cluster, string? leader);

    /// <summary>The cluster's pooled primary services now, and the longest <c>query_wait_timeout</c> among them (zero: none set).</summary>
    (IReadOnlyList<ISwitchoverPause> Services, TimeSpan QueryWaitTimeout) PrimaryPools(string cluster);

    /// <summary>Returns once the leader's Patroni says it takes writes.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> ended the wait first.</exception>
    Task WaitWritableAsync(Instance leader, CancellationToken cancellationToken);
}
