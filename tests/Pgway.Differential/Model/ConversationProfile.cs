namespace Pgway.Differential.Model;

/// <summary>Which features a conversation may use, and so which paths it runs on.</summary>
public enum ConversationProfile
{
    /// <summary>
    /// Only what transaction pooling supports: runs on every path. No session state that pgway's
    /// documentation says stays on a server (SET of unreported parameters, temporary tables, LISTEN,
    /// advisory locks, SQL PREPARE, WITH HOLD cursors), and no named statement Parsed twice (pgway
    /// documents that the second Parse replaces the first where PostgreSQL refuses it).
    /// </summary>
    Transaction,

    /// <summary>Any session state: runs direct, on the session-mode pooler and on the L4 service.</summary>
    Session,
}
