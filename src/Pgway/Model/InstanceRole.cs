namespace Pgway.Model;

/// <summary>An instance's <c>pg_role</c> in the inventory.</summary>
internal enum InstanceRole
{
    Primary,
    Replica,
    Offline,
    Standby,
    Delayed,
}
