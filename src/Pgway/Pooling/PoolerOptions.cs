using System.Net;
using Pgway.Model;
using Pgway.Pooling.Authentication;

namespace Pgway.Pooling;

/// <summary>One pooler: where it listens, the server it pools, its settings and who may log in.</summary>
/// <param name="Secrets">Each user's secret (password, MD5 hash or SCRAM verifier): the inventory's <c>pg_users</c> with <c>pgbouncer: true</c> and the auth file.</param>
/// <param name="Hba">The rules for <c>auth_type hba</c>; null means SCRAM for every client.</param>
/// <param name="FilesDirectory">Where relative paths in the settings (TLS certificates and keys) are read from: the inventory's folder; null for the current directory.</param>
internal sealed record PoolerOptions(
    IPEndPoint Listen,
    IPEndPoint Backend,
    PoolerSettings Settings,
    IReadOnlyDictionary<string, string> Secrets,
    HbaFile? Hba,
    string? FilesDirectory = null)
{
    /// <summary>
    /// The process the pooler runs in, for the console's RELOAD (the whole process reloads: services and
    /// poolers, the inventory read once), SWITCHOVER, UNFENCE and SHOW SWITCHOVER. Null for a pooler on
    /// its own: it has no inventory to read again, nor a process to switch over.
    /// </summary>
    public IGatewayControl? Control { get; init; }

    /// <summary>
    /// Where new server connections go instead of <see cref="Backend"/>: a <c>dest: pool</c> service's
    /// members, chosen by its route for each new connection. Null for a node's pooler.
    /// </summary>
    public IServerTarget? Target { get; init; }

    /// <summary>The process's bound on clients, shared with every other port; null for a pooler on its own (only the start-up cap and timeout).</summary>
    public Transport.ClientAdmission? Admission { get; init; }

    /// <summary>The process's cancel keys, shared by every pooler in it; null for a pooler on its own (node 0, a registry of its own).</summary>
    /// <remarks>Read once, when the pooler starts: a reload's options do not replace it.</remarks>
    public CancelKeyRegistry? CancelKeys { get; init; }

    /// <summary>The target new server connections go to: <see cref="Target"/>, or the fixed <see cref="Backend"/>.</summary>
    internal IServerTarget Servers => Target ?? new FixedServerTarget(Backend);
}
