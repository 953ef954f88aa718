using Pgway.Agent;
using Pgway.Model;

namespace Pgway.Health;

/// <summary>Makes real probes: HTTP for agent and Patroni checks, SQL for <c>check_method: postgres</c>.</summary>
public sealed class HealthProbeFactory(TimeProvider time) : IHealthProbeFactory
{
    public IHealthProbe Create(CheckTarget target, Instance instance)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.Kind == HealthCheckKind.Postgres
            ? new PostgresHealthProbe(target, InstanceSettings.StatusReader(instance, InstanceStatusReaderOptions.DefaultTimeout), InstanceSettings.Tags(instance), time)
            : new HttpHealthProbe(target, time);
    }
}
