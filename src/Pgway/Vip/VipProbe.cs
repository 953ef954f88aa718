namespace Pgway.Vip;

/// <summary>What an ARP probe for the VIP found: the MACs of the other hosts that answer for it now, or why it could not ask.</summary>
/// <param name="Answering">The MACs (lower case, colon-separated) that answered; empty: nobody holds the VIP on the segment.</param>
/// <param name="Error">Why the probe could not be sent (a missing capability); null when it was.</param>
internal sealed record VipProbe(IReadOnlyList<string> Answering, string? Error)
{
    public static readonly VipProbe Nobody = new([], null);

    public static VipProbe Failed(string error) => new([], error);
}
