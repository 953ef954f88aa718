namespace Pgway.Model;

/// <summary>What the cluster's own DNS name answers: Pigsty's <c>pg_dns_target</c>.</summary>
internal enum DnsTargetKind
{
    /// <summary>The VIP when the cluster has one enabled, else the current primary (Pigsty's default).</summary>
    Auto,

    /// <summary>The current primary's address.</summary>
    Primary,

    /// <summary>The VIP; no record when the cluster has none.</summary>
    Vip,

    /// <summary>No record.</summary>
    None,

    /// <summary>A fixed address the inventory gives.</summary>
    Address,
}
