using System.Collections.Concurrent;
using Pgway.Health;
using Pgway.Model;

namespace Pgway.Tests.Health;

/// <summary>Probes whose answers the test decides, timed by the test's fake clock.</summary>
internal sealed class ScriptedProbes(TimeProvider time) : IHealthProbeFactory
{
    public ConcurrentDictionary<CheckTarget, ScriptedProbe> Created { get; } = new();

    public IHealthProbe Create(CheckTarget target, Instance instance) =>
        Created.GetOrAdd(target, t => new ScriptedProbe(t, time));

    public ScriptedProbe Single() => Assert.Single(Created.Values);
}

internal sealed class ScriptedProbe(CheckTarget target, TimeProvider time) : IHealthProbe
{
    private readonly Lock gate = new();
    private readonly List<DateTimeOffset> calls = [];
    private int running;

    public CheckTarget Target { get; } = target;

    /// <summary>Answers in order; when they run out, <see cref="Otherwise"/>.</summary>
    public Queue<bool> Script { get; } = new();

    public bool Otherwise { get; set; } = true;

    /// <summary>When set, a check hangs until its total timeout expires, like a server that never answers.</summary>
    public bool Hang { get; set; }

    public int MaxConcurrent { get; private set; }

    public TimeSpan? LastTotalTimeout { get; private set; }

    public IReadOnlyList<DateTimeOffset> Calls
    {
        get
        {
            lock (gate)
            {
                return [.. calls];
            }
        }
    }

    public async Task<CheckResult> ProbeAsync(CheckDeadlines deadlines, CancellationToken cancellationToken)
    {
        bool pass;
        lock (gate)
        {
            calls.Add(time.GetUtcNow());
            MaxConcurrent = Math.Max(MaxConcurrent, ++running);
            LastTotalTimeout = deadlines.Total;
            pass = Script.Count > 0 ? Script.Dequeue() : Otherwise;
        }
        try
        {
            if (Hang)
            {
                await Task.Delay(deadlines.Total, time, cancellationToken);
                return new CheckResult(CheckStatus.L7Timeout, null, deadlines.Total, time.GetUtcNow(), "no status line");
            }
            return pass
                ? new CheckResult(CheckStatus.L7Ok, 200, TimeSpan.Zero, time.GetUtcNow(), "HTTP/1.0 200 OK")
                : new CheckResult(CheckStatus.L7Status, 503, TimeSpan.Zero, time.GetUtcNow(), "HTTP/1.0 503 Service Unavailable");
        }
        finally
        {
            lock (gate)
            {
                running--;
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
