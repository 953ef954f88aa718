namespace Pgway.Admin;

/// <summary>What the admin endpoint shows, read at request time: the host supplies both.</summary>
/// <param name="Metrics">Writes <c>/metrics</c>' exposition text; called once per scrape.</param>
/// <param name="Status">Reads the status document of <c>/status.json</c> (and so of the stats page); called once per request.</param>
public sealed record AdminSources(Func<string> Metrics, Func<StatusReport> Status);
