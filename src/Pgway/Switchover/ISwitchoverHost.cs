using Pgway.Model;

namespace Pgway.Switchover;

/// <summary>What a switchover needs of the process it runs in (the gateway host; a fake in tests).</summary>
internal interface ISwitchoverHost
{
    /// <summary>The hosted clusters.</summary>
    IReadOnlyList<Cluster> Clusters { get; }

    /// <summary>The instance name of the cluster's primary now (the DCS leader, or the member up in its primary services); null when there is none; an error when there are several.</summary>
    string? PrimaryOf(Cluster cluster, out string? problem);

    /// <summary>Why <paramref name="member"/> cannot be promoted now (fenced, down in every service checking it); null when it is a healthy replica.</summary>
    string? ReplicaProblem(Cluster cluster, Instance member);

    /// <summary>
    /// How long pgway's checks may go on calling <paramref name="member"/> down after it became a healthy replica
    /// (their rise count); zero when waiting cannot help: it is fenced, or nothing here checks it.
    /// </summary>
    TimeSpan RiseTime(Cluster cluster, Instance member);

    /// <summary>The pooled services to hold: the cluster's <c>dest: pool</c> services that route to the primary.</summary>
    IReadOnlyList<ISwitchoverPause> PausesOf(Cluster cluster);

    /// <summary>How the cluster switches over: Patroni's REST API, or fence and promote by SQL.</summary>
    ISwitchoverMethod MethodOf(Cluster cluster, SwitchoverOptions options);

    /// <summary>Routing follows <paramref name="leader"/> as the primary at once, as the DCS watch makes it.</summary>
    void FollowLeader(Cluster cluster, string leader);

    /// <summary>Records one line in the status document's event list.</summary>
    void Record(string cluster, string message);
}
