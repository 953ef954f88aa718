namespace Pgway.Pooling;

/// <summary>
/// Where a pool's new server connections go: one fixed server for a node's pooler, or whichever
/// member a service's route chooses for a <c>dest: pool</c> service. Each server connection holds
/// the <see cref="ServerLease"/> it was opened under, and is never reused once that lease is retired.
/// </summary>
internal interface IServerTarget
{
    /// <summary>A place for one new server connection now, or null when none is eligible (wait for <see cref="WaitForChangeAsync"/>).</summary>
    ServerLease? TryLease();

    /// <summary>Completes when <see cref="TryLease"/> may answer differently (a member came up, a slot freed).</summary>
    Task WaitForChangeAsync(CancellationToken cancellationToken);

    /// <summary>Raised (on any thread) when a lease is fenced: its servers must not run another statement.</summary>
    event Action<ServerLease>? Fenced;

    /// <summary>
    /// Whether a server that cannot be reached (or is shutting down) is tried again elsewhere: true
    /// for a service, whose members come and go; false for a fixed server, where it is a log-in failure.
    /// </summary>
    bool RetriesElsewhere { get; }

    /// <summary>
    /// Whether a new server that logs in while its postgres is still a hot standby is held until it leaves
    /// recovery (see <see cref="ServerPromotionWait"/>): true for a service whose check asks for the leader.
    /// </summary>
    bool WaitsForPromotion => false;

    /// <summary>A connection under <paramref name="lease"/> could not be opened: its member is avoided for a while.</summary>
    void Failed(ServerLease lease);

    /// <summary>What the target is, for error messages: an address or a service name.</summary>
    string Describe();
}
