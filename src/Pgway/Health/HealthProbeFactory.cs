using Pgway.Agent;
using Pgway.Model;

namespace Pgway.Health;

/// <summary>
/// Makes real probes: HTTP for agent and Patroni checks, SQL for <c>check_method: postgres</c>.
/// SQL probes of one instance share one status reader — one connection pool and one memory of the
/// leader's position — however many services ask it different questions.
/// </summary>
internal sealed class HealthProbeFactory(TimeProvider time) : IHealthProbeFactory
{
    // Each check brings its own deadlines; the reader's timeout is only the driver's backstop.
    private static readonly TimeSpan DriverBackstop = TimeSpan.FromSeconds(30);

    private readonly Lock gate = new();
    private readonly Dictionary<(string Address, int Port), SharedReader> readers = [];

    public IHealthProbe Create(CheckTarget target, Instance instance)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(instance);
        if (target.Kind != HealthCheckKind.Postgres)
        {
            return new HttpHealthProbe(target, time);
        }
        SharedReader shared;
        lock (gate)
        {
            var key = (target.Address, target.Port);
            if (!readers.TryGetValue(key, out shared!))
            {
                shared = new SharedReader(new InstanceStatusReader(InstanceSettings.StatusReader(instance, DriverBackstop), time), () => Forget(key));
                readers[key] = shared;
            }
            shared.Users++;
        }
        return new PostgresHealthProbe(target, shared.Reader, shared, InstanceSettings.Tags(instance), time);
    }

    private bool Forget((string, int) key)
    {
        lock (gate)
        {
            if (--readers[key].Users > 0)
            {
                return false;
            }
            readers.Remove(key);
            return true;
        }
    }

    /// <summary>A reader and how many probes use it; the last probe to close it closes the reader.</summary>
    private sealed class SharedReader(InstanceStatusReader reader, Func<bool> release) : IAsyncDisposable
    {
        public InstanceStatusReader Reader { get; } = reader;

        public int Users { get; set; }

        public ValueTask DisposeAsync() => release() ? Reader.DisposeAsync() : ValueTask.CompletedTask;
    }
}
