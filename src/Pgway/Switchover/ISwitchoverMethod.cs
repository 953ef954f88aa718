using Pgway.Model;

namespace Pgway.Switchover;

/// <summary>How a cluster's primary is moved: by Patroni, or by pgway's fence and SQL promotion.</summary>
internal interface ISwitchoverMethod
{
    /// <summary><c>patroni</c> or <c>promote</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Moves the primary from <paramref name="primary"/> to <paramref name="candidate"/> (null: the method chooses),
    /// recording its steps; returns the new primary once it takes writes.
    /// </summary>
    /// <exception cref="SwitchoverException">It could not; nothing is switched unless the message says otherwise.</exception>
    Task<Instance> SwitchAsync(Cluster cluster, Instance primary, Instance? candidate, SwitchoverSteps steps, CancellationToken cancellationToken);
}
