namespace Pgway.Model;

/// <summary>HAProxy's <c>on-marked-up</c>: what happens when a member comes back up.</summary>
internal enum MarkedUpAction
{
    None,

    /// <summary><c>shutdown-backup-sessions</c>: close sessions on backups once an active member returns.</summary>
    ShutdownBackupSessions,
}
