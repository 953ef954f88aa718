namespace Pgway.Vip;

/// <summary>How a VIP keeper acts.</summary>
/// <param name="ReconcileInterval">
/// How often the address on the interface is compared with the decision even when nothing changed, so an address
/// removed by hand (or left by a crash) is put right within this.
/// </param>
/// <param name="Announcements">Gratuitous ARPs (or neighbour advertisements) sent after each add: several, so one lost packet strands no client.</param>
/// <param name="AnnounceSpacing">The time between two announcements.</param>
/// <param name="ProbeWindow">
/// How long the ARP probe sent before each add (IPv4) listens for another host that still answers for the VIP: a
/// holder's kernel answers at once, so this is short; it delays every move by as much.
/// </param>
/// <param name="TakeoverWait">
/// How long a node the decision gives the VIP waits while another host still answers for it, re-probing, before it
/// adds it anyway (that host may have lost its pgway and kept the address). Longer than <see cref="HandOverKeep"/>,
/// so that a holder handing over on time is always waited for.
/// </param>
/// <param name="HandOverKeep">
/// How long, at most, a holder keeps the VIP after the decision took it away while its pooled primary services still
/// hold clients or run their transactions (a planned switchover's resume): those clients may have reached it through
/// the VIP, and would never get their answer from another host.
/// </param>
/// <param name="HandOverIdleKeep">
/// How long, at most, a holder keeps it while those services merely have clients connected (one logging in, one
/// between transactions): short-lived connections end, long-lived ones are cut at a moment with no transaction under
/// way.
/// </param>
internal sealed record VipOptions(TimeSpan ReconcileInterval, int Announcements, TimeSpan AnnounceSpacing, TimeSpan ProbeWindow, TimeSpan TakeoverWait,
    TimeSpan HandOverKeep, TimeSpan HandOverIdleKeep)
{
    public static readonly VipOptions Default = new(
        TimeSpan.FromSeconds(1), 4, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(8),
        TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2));

    /// <summary>
    /// While the cluster has no leader, how often a node that does not hold the VIP probes whether anyone answers for
    /// it: a probe that found nobody lets the node the next leader key names add the VIP without probing again (see
    /// <see cref="VacancyTrust"/>), which takes the probe window off a failover. A few ARP broadcasts a second, only
    /// while there is no leader.
    /// </summary>
    public TimeSpan VacancyRefresh { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long the cluster may go without a leader before the vacancy probes slow to <see cref="VacancySlowRefresh"/>.
    /// Once the key is gone, Patroni's replicas race for it at their next cycle (<c>loop_wait</c>, 10 s by default,
    /// plus a <c>retry_timeout</c> at worst); a cluster leaderless for longer is down or stopped by hand, and probing
    /// it four times a second would only fill the LAN with broadcasts.
    /// A slow probe seldom stands in for the probe before an add (it is older than <see cref="VacancyTrust"/>), so
    /// the leader named at last pays one probe window.
    /// </summary>
    public TimeSpan VacancyFastFor { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the vacancy probe runs once the cluster has had no leader for <see cref="VacancyFastFor"/>.</summary>
    public TimeSpan VacancySlowRefresh { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How old, at most, a probe that found nobody may be to stand in for the probe before an add: only when the leader
    /// key went from no leader straight to this node's instance since it, with the DCS watched throughout.
    /// </summary>
    public TimeSpan VacancyTrust { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a keeper looks again while it waits for a holder to let go or for its own clients to be answered.</summary>
    public static readonly TimeSpan HandOverPoll = TimeSpan.FromMilliseconds(10);
}
