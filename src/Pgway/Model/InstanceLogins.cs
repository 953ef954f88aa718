namespace Pgway.Model;

/// <summary>
/// The user names and passwords the inventory gives for pgway's own connections to an instance; each null
/// when not set, where the consumer's default (Pigsty's) applies.
/// </summary>
/// <param name="MonitorUser">Pigsty's <c>pg_monitor_username</c>, for health checks.</param>
/// <param name="MonitorPassword">Pigsty's <c>pg_monitor_password</c>.</param>
/// <param name="AdminUser">Pigsty's <c>pg_admin_username</c>, for promotion and <c>ALTER SYSTEM</c>.</param>
/// <param name="AdminPassword">Pigsty's <c>pg_admin_password</c>.</param>
/// <param name="PatroniUser">Pigsty's <c>patroni_username</c>, basic auth for Patroni's REST API.</param>
/// <param name="PatroniPassword">Pigsty's <c>patroni_password</c>.</param>
/// <param name="ReplicationUser">Pigsty's <c>pg_replication_username</c> (the demo makes the role).</param>
/// <param name="ReplicationPassword">Pigsty's <c>pg_replication_password</c>.</param>
internal sealed record InstanceLogins(
    string? MonitorUser,
    string? MonitorPassword,
    string? AdminUser,
    string? AdminPassword,
    string? PatroniUser,
    string? PatroniPassword,
    string? ReplicationUser,
    string? ReplicationPassword)
{
    /// <summary>Nothing set: every default applies.</summary>
    public static InstanceLogins None { get; } = new(null, null, null, null, null, null, null, null);
}
