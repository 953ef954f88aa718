namespace Pgway.Pooling.PreparedStatements;

/// <summary>
/// One of a client's named prepared statements: the shared statement its name maps to, and the
/// result description the client was given for it. PostgreSQL promises that a prepared
/// statement's result type never changes (its next use fails with <c>0A000 cached plan must not
/// change result type</c> instead); a statement pgway prepares afresh on another server after DDL
/// would break that promise silently, so each server's description is compared with this one.
/// </summary>
internal sealed class ClientStatement(SharedStatement statement)
{
    public SharedStatement Statement { get; } = statement;

    /// <summary>The RowDescription body (empty for NoData) the client got for a Describe of it; null until it asked.</summary>
    public byte[]? Shape { get; set; }

    /// <summary>
    /// The ParameterDescription message (whole) of the statement as the client parsed it, fixed then as
    /// its result type is; null while unknown. A Describe of it after its result type changed answers
    /// this before the 0A000, as PostgreSQL describes the parameters before it checks the plan.
    /// </summary>
    public byte[]? Parameters { get; set; }

    /// <summary>Its result type changed since the client was given <see cref="Shape"/>: every use fails with 0A000 until the client prepares it again.</summary>
    public bool Stale { get; set; }

    /// <summary>The Parse that made it failed or was skipped after it had been closed in the same batch: a skipped Close must not bring it back.</summary>
    public bool NeverPrepared { get; set; }
}
