using Pgway.Agent;
using Pgway.Model;

namespace Pgway.Health;

/// <summary>Makes real probes: HTTP for agent and Patroni checks, SQL for <c>check_method: postgres</c>.</summary>
public sealed class HealthProbeFactory(TimeProvider time) : IHealthProbeFactory
{
    private static readonly TimeSpan DriverBackstop = TimeSpan.FromSeconds(30);

    public IHealthProbe Create(CheckTarget target, Instance instance)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.Kind == HealthCheckKind.Postgres
            // Each check brings its own deadlines; the reader's timeout is only the driver's backstop.
            ? new PostgresHealthProbe(target, InstanceSettings.StatusReader(instance, DriverBackstop), InstanceSettings.Tags(instance), time)
            : new HttpHealthProbe(target, time);
    }
}
