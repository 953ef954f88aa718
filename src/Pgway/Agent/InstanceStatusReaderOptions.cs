namespace Pgway.Agent;

/// <summary>How to ask one instance for its status.</summary>
/// <param name="ConnectionString">An Npgsql connection string for the instance (see <see cref="PostgresUrl"/>).</param>
/// <param name="Timeout">Bounds one whole round of status queries, so a hung server never hangs a check.</param>
/// <param name="IsStandbyLeader">The instance leads a standby cluster: in recovery it reports <c>standby_leader</c>, not <c>replica</c>.</param>
public sealed record InstanceStatusReaderOptions(string ConnectionString, TimeSpan Timeout, bool IsStandbyLeader = false)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);
}
