namespace Pgway.Health;

/// <summary>Runs one check against one target. Never throws for a failed check: failure is a result.</summary>
internal interface IHealthProbe : IAsyncDisposable
{
    Task<CheckResult> ProbeAsync(CheckDeadlines deadlines, CancellationToken cancellationToken);
}
