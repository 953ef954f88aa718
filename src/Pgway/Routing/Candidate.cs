namespace Pgway.Routing;

/// <summary>
/// One member as the balancer sees it at the moment of a choice: whether it is usable, its place in
/// the service's order, its effective weight and connection limit (after slowstart), and its load.
/// </summary>
/// <param name="Index">The member's position in the service (HAProxy's server order, the tie-breaker).</param>
/// <param name="MaxConn">The member's connection limit; 0 means unlimited.</param>
internal readonly record struct Candidate(int Index, bool IsUp, bool IsBackup, int Weight, int Sessions, int MaxConn)
{
    /// <summary>Whether one more connection fits under the member's limit.</summary>
    public bool HasRoom => MaxConn == 0 || Sessions < MaxConn;
}
