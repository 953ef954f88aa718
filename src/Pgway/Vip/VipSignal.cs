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
internal readonly record struct VipSignal(VipDcsState Dcs, string? Leader, DateTimeOffset? DcsLostAt, bool LocalPrimary, string LocalDetail);
