namespace Pgway.Vip;

/// <summary>The inputs of one decision about a cluster's VIP.</summary>
/// <param name="Dcs">What the DCS watch knows.</param>
/// <param name="Leader">The leader key's member name (the last read while <see cref="VipDcsState.Lost"/>); null when there is none.</param>
/// <param name="DcsLostAt">When the watch lost etcd (with <see cref="VipDcsState.Lost"/>).</param>
/// <param name="LocalPrimary">
/// Whether the local instance is up as a primary by pgway's own checks (its primary-check member is up and was checked),
/// and not fenced.
/// </param>
/// <param name="LocalDetail">Why not, when not: "down (L4CON)", "fenced: switchover".</param>
/// <param name="PooledClientsBusy">
/// Whether this node's pooled primary services of the cluster hold clients (a switchover's pause, the wait for a new
/// leader) or have transactions under way: clients that may have reached them through the VIP, whose answers can
/// only reach them from this node.
/// </param>
/// <param name="PooledClientsConnected">Whether those services have any client connected (one logging in counts).</param>
/// <param name="LeaderEpoch">
/// The DCS watch's count of leader changes and losses of etcd, read before <paramref name="Leader"/>: two signals with
/// the same count saw the same leader with nothing between; one more means exactly one change.
/// </param>
internal readonly record struct VipSignal(VipDcsState Dcs, string? Leader, DateTimeOffset? DcsLostAt, bool LocalPrimary, string LocalDetail,
    bool PooledClientsBusy = false, bool PooledClientsConnected = false, long LeaderEpoch = 0)
{
    /// <summary>The DCS is read and names no leader: a failover or switchover is under way.</summary>
    public bool Leaderless => Dcs == VipDcsState.Connected && Leader is null;
}
