namespace Pgway.Testing;

// Taking the DCS away and giving it back, for tests of what follows etcd (Patroni itself, pgway's DCS watch).
internal sealed partial class PatroniTestCluster
{
    /// <summary>
    /// Stops etcd (SIGTERM, then SIGKILL by PID after the grace period) and returns once it is gone. Patroni's
    /// leader demotes itself when it cannot renew its lock within <c>retry_timeout</c>, so keep etcd down briefly.
    /// </summary>
    public Task StopEtcdAsync() => Etcd.StopAsync(s_stopGracePeriod);

    /// <summary>Starts etcd again on its data directory and returns once it reports itself healthy.</summary>
    public Task StartEtcdAsync(CancellationToken cancellationToken = default) =>
        Etcd.StartAsync(_programs.Etcd, Path.GetFileName(RootDirectory), OperationTimeout, cancellationToken);
}
