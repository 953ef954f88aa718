namespace Pgway.Admin;

/// <summary>
/// What <c>GET /status.json</c> answers, and what the stats page and <c>pgway status</c> show: every
/// service with its members, every pooler with its pools, and the latest events, read from snapshots.
/// </summary>
/// <param name="GeneratedAt">When the snapshots were read; ages and times in state count from here.</param>
/// <param name="Events">The latest events, oldest first.</param>
/// <param name="HistoryIntervalSeconds">
/// Seconds between two samples of every <see cref="StatusService.History"/> and <see cref="StatusMember.CheckHistoryMs"/>
/// (the last sample is the newest); 0 when the document carries no history.
/// </param>
internal sealed record StatusReport(
    DateTimeOffset GeneratedAt,
    IReadOnlyList<StatusService> Services,
    IReadOnlyList<StatusPooler> Poolers,
    IReadOnlyList<StatusEvent> Events,
    double HistoryIntervalSeconds = 0)
{
    /// <summary>The hosted clusters' L2 VIPs as this node keeps them: held here or not, why, and the last move.</summary>
    public IReadOnlyList<Pgway.Vip.VipStatus> Vips { get; init; } = [];

    /// <summary>The DNS server's queries by name and result since start; empty when it does not run.</summary>
    public IReadOnlyList<Pgway.Dns.DnsQueryCount> Dns { get; init; } = [];
}
