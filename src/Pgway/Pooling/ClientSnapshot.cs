using System.Net;

namespace Pgway.Pooling;

/// <summary>One logged-in client now, as the admin console's SHOW CLIENTS lists it (and SHOW SERVERS its server).</summary>
/// <param name="Id">Its number, as in the log (<c>ptr</c> shows it in hexadecimal; <c>KILL_CLIENT</c> takes either).</param>
/// <param name="Waiting">Queued for a server (cl_waiting), else active (cl_active).</param>
/// <param name="RequestTime">When it last sent something.</param>
/// <param name="Wait">How long its request under way has run (or waited); zero when none is.</param>
/// <param name="Server">The server it holds now, if any.</param>
/// <param name="Pool">Its pool; null for an admin console client.</param>
internal sealed record ClientSnapshot(
    long Id,
    string User,
    string Database,
    bool Waiting,
    IPEndPoint? Remote,
    IPEndPoint? Local,
    DateTimeOffset ConnectTime,
    DateTimeOffset RequestTime,
    TimeSpan Wait,
    string? ApplicationName,
    ServerSnapshot? Server,
    ServerPool? Pool);
