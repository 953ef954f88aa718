namespace Pgway.Testing;

/// <summary>The role an instance was created for, as Pigsty's <c>pg_role</c> names it.</summary>
internal enum PgInstanceRole
{
    /// <summary>The read-write instance the others stream from.</summary>
    Primary,

    /// <summary>A hot standby serving online read-only traffic.</summary>
    Replica,

    /// <summary>A hot standby reserved for offline (slow, analytical) queries.</summary>
    Offline,
}
