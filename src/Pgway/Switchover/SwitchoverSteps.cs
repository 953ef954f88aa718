using Microsoft.Extensions.Logging;

namespace Pgway.Switchover;

/// <summary>A switchover's steps as they end, each timed from the previous one and logged at Information.</summary>
internal sealed partial class SwitchoverSteps
{
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly string cluster;
    private readonly long started;
    private readonly List<SwitchoverStep> steps = [];
    private long last;

    public SwitchoverSteps(string cluster, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(time);
        this.cluster = cluster;
        this.time = time;
        this.logger = logger;
        started = last = time.GetTimestamp();
    }

    /// <summary>The steps so far, in order.</summary>
    public IReadOnlyList<SwitchoverStep> All => steps;

    /// <summary>Milliseconds since the switchover started.</summary>
    public double Elapsed => time.GetElapsedTime(started).TotalMilliseconds;

    /// <summary>Milliseconds since the switchover started at <paramref name="timestamp"/> (a <see cref="TimeProvider.GetTimestamp"/>).</summary>
    public double Since(long timestamp) => time.GetElapsedTime(timestamp).TotalMilliseconds;

    public long Now() => time.GetTimestamp();

    /// <summary>Ends a step now: it took the time since the previous step ended.</summary>
    public void Add(string name, string detail)
    {
        var now = time.GetTimestamp();
        var step = new SwitchoverStep(name, Math.Round(time.GetElapsedTime(started, now).TotalMilliseconds, 1),
            Math.Round(time.GetElapsedTime(last, now).TotalMilliseconds, 1), detail);
        last = now;
        steps.Add(step);
        LogStep(logger, cluster, step.Name, step.Took, step.At, step.Detail);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "switchover of {Cluster}: {Step} ({Took} ms, at {At} ms): {Detail}")]
    private static partial void LogStep(ILogger logger, string cluster, string step, double took, double at, string detail);
}
