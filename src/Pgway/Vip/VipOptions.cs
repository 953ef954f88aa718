namespace Pgway.Vip;

/// <summary>How a VIP keeper acts.</summary>
/// <param name="ReconcileInterval">
/// How often the address on the interface is compared with the decision even when nothing changed, so an address
/// removed by hand (or left by a crash) is put right within this.
/// </param>
/// <param name="Announcements">Gratuitous ARPs (or neighbour advertisements) sent after each add: several, so one lost packet strands no client.</param>
/// <param name="AnnounceSpacing">The time between two announcements.</param>
internal sealed record VipOptions(TimeSpan ReconcileInterval, int Announcements, TimeSpan AnnounceSpacing)
{
    public static readonly VipOptions Default = new(TimeSpan.FromSeconds(1), 4, TimeSpan.FromMilliseconds(500));
}
