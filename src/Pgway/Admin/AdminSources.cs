using Pgway.Switchover;

namespace Pgway.Admin;

/// <summary>What the admin endpoint shows, read at request time: the host supplies both.</summary>
/// <param name="Metrics">Writes <c>/metrics</c>' exposition text; called once per scrape.</param>
/// <param name="Status">Reads the status document of <c>/status.json</c> (and so of the stats page); called once per request.</param>
internal sealed record AdminSources(Func<string> Metrics, Func<StatusReport> Status)
{
    /// <summary><c>POST /switchover</c>: runs a switchover (cluster, target or null, options); null when the endpoint offers none.</summary>
    public Func<string, string?, SwitchoverOptions, CancellationToken, Task<SwitchoverResult>>? Switchover { get; init; }

    /// <summary><c>POST /unfence</c>: clears an instance's fence (member, force); returns null when done, or why not.</summary>
    public Func<string, bool, CancellationToken, Task<string?>>? Unfence { get; init; }
}
