namespace Pgway.Vip;

/// <summary>
/// Who holds a cluster's VIP, as a pure function of what the DCS and the checks say. With a DCS: the node whose
/// instance the leader key names, while that instance is up as a primary; while the DCS cannot be reached, the last
/// confirmed leader keeps it for the grace period only (see docs/vip.md for the bound). Without a DCS: the node whose
/// instance is up as a primary and not fenced.
/// </summary>
internal static class VipRules
{
    public static VipVerdict Decide(VipSignal signal, string localInstance, TimeSpan dcsGrace, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(localInstance);
        var ours = string.Equals(signal.Leader, localInstance, StringComparison.Ordinal);
        switch (signal.Dcs)
        {
            case VipDcsState.None:
                return signal.LocalPrimary
                    ? new VipVerdict(true, $"{localInstance} is a healthy primary (no DCS)")
                    : new VipVerdict(false, $"{localInstance} is not a healthy primary: {signal.LocalDetail}");
            case VipDcsState.NotRead:
                return new VipVerdict(false, "the DCS's leader key is not read yet");
            case VipDcsState.Connected when signal.Leader is null:
                return new VipVerdict(false, "the DCS names no leader");
            case VipDcsState.Connected when !ours:
                return new VipVerdict(false, $"the leader is {signal.Leader}");
            case VipDcsState.Connected:
                return signal.LocalPrimary
                    ? new VipVerdict(true, $"the leader key names {localInstance}, a healthy primary")
                    : new VipVerdict(false, $"the leader key names {localInstance}, but it is not a healthy primary: {signal.LocalDetail}");
            default:
                var lostFor = now - (signal.DcsLostAt ?? now);
                if (!ours || !signal.LocalPrimary)
                {
                    return new VipVerdict(false, ours ? $"the DCS is unreachable and {localInstance} is not a healthy primary: {signal.LocalDetail}" : "the DCS is unreachable and did not name us leader");
                }
                if (lostFor >= dcsGrace)
                {
                    return new VipVerdict(false, $"the DCS is unreachable for {lostFor.TotalSeconds:0.#} s, past the {dcsGrace.TotalSeconds:0.#} s grace");
                }
                return new VipVerdict(true, $"the DCS is unreachable for {lostFor.TotalSeconds:0.#} s: kept within the {dcsGrace.TotalSeconds:0.#} s grace, {localInstance} still a healthy primary", dcsGrace - lostFor);
        }
    }

    /// <summary>
    /// A holder that <paramref name="verdict"/> takes the VIP from keeps it while its pooled primary services hold
    /// clients or run their transactions (for <see cref="VipOptions.HandOverKeep"/> at most), or have clients connected
    /// at all (for <see cref="VipOptions.HandOverIdleKeep"/> at most): they may have reached this node through the VIP,
    /// and nothing sent from here reaches them once another host has it (a planned switchover's resume, a client
    /// logging in). Only while the DCS is read, or there is none: a node cut off from the DCS gets no extension of its
    /// grace.
    /// </summary>
    public static VipVerdict HandOver(VipVerdict verdict, VipSignal signal, bool heldHere, TimeSpan keptFor, VipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (verdict.Hold || !heldHere || signal.Dcs is not (VipDcsState.Connected or VipDcsState.None))
        {
            return verdict;
        }
        var bound = signal.PooledClientsBusy ? options.HandOverKeep
            : signal.PooledClientsConnected ? options.HandOverIdleKeep
            : TimeSpan.Zero;
        if (keptFor >= bound)
        {
            return verdict;
        }
        var left = bound - keptFor;
        return new VipVerdict(
            true,
            $"handing over ({verdict.Reason}): kept while the pooled clients that may have come through it are answered, {left.TotalSeconds:0.#} s more at most",
            VipOptions.HandOverPoll);
    }
}
