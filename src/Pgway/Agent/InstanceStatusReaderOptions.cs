namespace Pgway.Agent;

/// <summary>How to ask one instance for its status.</summary>
/// <param name="ConnectionString">An Npgsql connection string for the instance (see <see cref="PostgresUrl"/>).</param>
/// <param name="Timeout">Bounds one whole round of status queries, so a hung server never hangs a check.</param>
/// <param name="IsStandbyLeader">The instance leads a standby cluster: in recovery it reports <c>standby_leader</c>, not <c>replica</c>.</param>
internal sealed record InstanceStatusReaderOptions(string ConnectionString, TimeSpan Timeout, bool IsStandbyLeader = false)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often a round also opens a new connection of its own (outside the pool), to see that the
    /// instance still starts backends; every round while that fails. Zero turns the check off.
    /// </summary>
    public TimeSpan FreshConnectionInterval { get; init; } = DefaultFreshConnectionInterval;

    /// <summary>One backend start a second at most per instance, only while checks are asked.</summary>
    public static readonly TimeSpan DefaultFreshConnectionInterval = TimeSpan.FromSeconds(1);
}
