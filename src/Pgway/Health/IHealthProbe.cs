namespace Pgway.Health;

/// <summary>Runs one check against one target. Never throws for a failed check: failure is a result.</summary>
public interface IHealthProbe : IAsyncDisposable
{
    /// <param name="connectTimeout">How long connecting may take.</param>
    /// <param name="totalTimeout">How long the whole check may take.</param>
    Task<CheckResult> ProbeAsync(TimeSpan connectTimeout, TimeSpan totalTimeout, CancellationToken cancellationToken);
}
