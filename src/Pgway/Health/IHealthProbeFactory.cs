using Pgway.Model;

namespace Pgway.Health;

/// <summary>Makes the probe for a target; tests substitute scripted probes.</summary>
internal interface IHealthProbeFactory
{
    /// <param name="instance">The instance the target belongs to (its credentials and tags, for SQL checks).</param>
    IHealthProbe Create(CheckTarget target, Instance instance);
}
