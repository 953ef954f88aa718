namespace Pgway.Vip;

/// <summary>A cluster's VIP as this node sees it now, for the stats page, <c>/status.json</c>, <c>/metrics</c> and <c>pgway status</c>.</summary>
/// <param name="Held">Whether this node holds the address now (it is on the interface).</param>
/// <param name="Interface">The interface it belongs on here; null when none could be found.</param>
/// <param name="Reason">Why this node holds it or not, now.</param>
/// <param name="LastMove">When this node last added or removed it; null: never since start.</param>
/// <param name="LastMoveReason">Why it moved then.</param>
/// <param name="Moves">How many times this node added or removed it since start.</param>
/// <param name="Announcements">Gratuitous ARPs / neighbour advertisements sent since start.</param>
/// <param name="Error">The last action's failure (a missing capability, an interface not found); null when the last actions worked.</param>
internal sealed record VipStatus(
    string Cluster,
    string Address,
    string? Interface,
    bool Held,
    string Reason,
    DateTimeOffset? LastMove,
    string? LastMoveReason,
    long Moves,
    long Announcements,
    string? Error);
