namespace Pgway.Dcs;

/// <summary>Patroni's leader key of <paramref name="Cluster"/> changed (or was first read).</summary>
/// <param name="Leader">The new leader's member name; null while the cluster has no leader (a switchover or failover under way).</param>
/// <param name="Previous">The leader before; null when there was none or it was not known yet.</param>
/// <param name="ObservedAt">When the watch received the change.</param>
internal sealed record DcsLeaderChange(string Cluster, string? Leader, string? Previous, DateTimeOffset ObservedAt)
{
    public bool HasLeader => Leader is not null;
}
