namespace Pgway.Differential.Running;

/// <summary>A way for a client to reach PostgreSQL: directly (the oracle) or through one of pgway's paths.</summary>
public enum DifferentialPath
{
    /// <summary>PostgreSQL itself: what every other path must match.</summary>
    Direct,

    /// <summary>The node pooler in transaction mode.</summary>
    PoolerTransaction,

    /// <summary>The node pooler in session mode.</summary>
    PoolerSession,

    /// <summary>A <c>dest: pool</c> service (transaction mode), pooling to the member its route chooses.</summary>
    PoolService,

    /// <summary>A <c>dest: postgres</c> service: bytes spliced to the member.</summary>
    L4Service,
}
