namespace Pgway.Admin;

/// <summary>One pooler (the pooler of one hosted instance) in the status document.</summary>
/// <param name="Instance">The instance it pools for.</param>
/// <param name="Clients">Clients connected now (logging in or logged in).</param>
internal sealed record StatusPooler(
    string Instance,
    int Clients,
    IReadOnlyList<StatusPool> Pools);
