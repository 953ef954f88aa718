namespace Pgway.Model;

/// <summary>An instance's <c>pg_role</c> in the inventory.</summary>
public enum InstanceRole
{
    Primary,
    Replica,
    Offline,
    Standby,
    Delayed,
}
