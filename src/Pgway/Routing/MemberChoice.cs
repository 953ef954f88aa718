namespace Pgway.Routing;

/// <summary>
/// Which members may take a new connection, by HAProxy's rules: only members that are up; the
/// active (non-backup) ones when any is up; otherwise the first backup that is up, in order, or
/// every backup that is up when the service balances over all of them (<c>option allbackups</c>).
/// Weight 0 members take no balanced traffic.
/// </summary>
internal static class MemberChoice
{
    /// <summary>The eligible members, in service order; empty when no member is up.</summary>
    /// <param name="allBackups">HAProxy's <c>option allbackups</c>: balance over every backup that is up.</param>
    public static List<Candidate> Eligible(IReadOnlyList<Candidate> members, bool allBackups = false)
    {
        var eligible = new List<Candidate>();
        Eligible(members, allBackups, eligible);
        return eligible;
    }

    /// <summary>Fills <paramref name="eligible"/> (cleared first) with the eligible members: no allocation on the routing path.</summary>
    public static void Eligible(IReadOnlyList<Candidate> members, bool allBackups, List<Candidate> eligible)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(eligible);
        eligible.Clear();
        foreach (var member in members)
        {
            if (member.IsUp && !member.IsBackup && member.Weight > 0)
            {
                eligible.Add(member);
            }
        }
        if (eligible.Count > 0)
        {
            return;
        }
        foreach (var member in members)
        {
            if (member.IsUp && member.IsBackup && member.Weight > 0)
            {
                eligible.Add(member);
                if (!allBackups)
                {
                    return;
                }
            }
        }
    }
}
