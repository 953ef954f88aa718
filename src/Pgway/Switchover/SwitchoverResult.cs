namespace Pgway.Switchover;

/// <summary>What a switchover did: its steps and timings, and the error that stopped it, if any.</summary>
/// <param name="Method"><c>patroni</c> (Patroni's REST API switched over) or <c>promote</c> (pgway fenced the old primary and promoted by SQL); null when validation failed.</param>
/// <param name="PausedMilliseconds">How long the pooled primary services held new transactions (pause to resume).</param>
/// <param name="Error">Why it failed; null when it succeeded.</param>
internal sealed record SwitchoverResult(
    string Cluster,
    bool Succeeded,
    string? Method,
    string? OldPrimary,
    string? NewPrimary,
    double PausedMilliseconds,
    double TotalMilliseconds,
    IReadOnlyList<SwitchoverStep> Steps,
    string? Error);
