using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.Model;
using Pgway.Routing;

namespace Pgway.Hosting;

/// <summary>
/// SIGHUP and the console's RELOAD: the inventory is read again, checked whole, and the difference applied live
/// (the YARP way: diff two immutable models, then apply). A configuration with errors changes nothing. One reload
/// at a time; none once the host drains, since a reload would open ports again.
/// </summary>
internal sealed partial class GatewayReload(GatewayState state, HealthMonitor monitor, DcsFollower dcs, ServiceStarter starter, ServiceRetirement retirement, GatewayOptions options, ILoggerFactory logging) : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly ILogger logger = logging.CreateLogger<GatewayHost>();
    private bool draining;

    /// <summary>Reads the inventory in use again and applies it (see <see cref="ReloadAsync"/>); its errors reject it, each logged with file and line.</summary>
    public async Task<ReloadResult> ReloadFromFileAsync(CancellationToken cancellationToken)
    {
        var file = state.Topology.SourceFile;
        var loaded = await Task.Run(() => InventoryLoader.LoadFile(file), cancellationToken);
        if (loaded.HasErrors || loaded.Topology is null)
        {
            return Reject([.. loaded.Errors.Select(e => e.ToString())]);
        }
        return await ReloadAsync(loaded.Topology, cancellationToken);
    }

    /// <summary>The console's RELOAD: null when applied, or why not.</summary>
    public async Task<string?> ReloadForConsoleAsync(CancellationToken cancellationToken)
    {
        var result = await ReloadFromFileAsync(cancellationToken);
        return result.Applied ? null : string.Join("; ", result.Errors);
    }

    /// <summary>Applies <paramref name="next"/> live: see <see cref="GatewayHost.ReloadAsync"/>.</summary>
    public async Task<ReloadResult> ReloadAsync(Topology next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        await gate.WaitAsync(cancellationToken);
        try
        {
            // A reload would open ports again.
            return draining ? Reject(["pgway is shutting down"]) : await ApplyAsync(next, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>After a reload under way, and before any other: no reload opens ports from now on.</summary>
    public async Task EndReloadsAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        draining = true;
        gate.Release();
    }

    private async Task<ReloadResult> ApplyAsync(Topology next, CancellationToken cancellationToken)
    {
        IReadOnlyList<Cluster> clusters;
        try
        {
            clusters = GatewayHost.HostedClusters(next, options.Nodes);
        }
        catch (ArgumentException e)
        {
            return Reject([e.Message]);
        }
        var current = state.Listeners;
        var currentPools = state.PoolServices;
        var diff = ServiceDiff.Between(current.Select(l => l.Route.Service).Concat(currentPools.Select(p => p.Route.Service)), GatewayHost.HostedServices(clusters, options.Nodes));
        var poolers = state.Poolers;
        var (poolerOptions, poolerErrors, warnings) = PoolerReloads.ForNodes(clusters, [.. poolers.Select(p => p.Instance)], options, next.SourceFile);
        var (poolServiceOptions, poolServiceErrors) = PoolerReloads.ForServices(currentPools, clusters, diff, next.SourceFile);
        // A node's pooler and its cluster's dest: pool ports read the same files: each error once.
        var rejected = poolerErrors.Concat(poolServiceErrors).Distinct(StringComparer.Ordinal).ToList();
        if (rejected.Count > 0)
        {
            return Reject(rejected);
        }
        LogReloading(logger, next.SourceFile, diff.Added.Length, diff.Removed.Length, diff.Changed.Length);

        // The monitor first: routes of changed and added services read their members' health from it.
        var changedBy = diff.Changed.ToDictionary(c => c.After.FullName, c => c.After);
        var monitored = new List<Service>();
        foreach (var service in GatewayHost.HostedServices(clusters, options.Nodes))
        {
            monitored.Add(changedBy.GetValueOrDefault(service.FullName)
                ?? diff.Unchanged.FirstOrDefault(u => u.FullName == service.FullName && u.Bind == service.Bind && u.Port == service.Port)
                ?? service);
        }
        await monitor.UpdateAsync(monitored, cancellationToken);
        dcs.FollowKnownLeaders();

        foreach (var change in diff.Changed)
        {
            var service = change.After;
            var pooled = currentPools.FirstOrDefault(p => p.Route.Service == change.Before);
            if ((pooled is not null) != service.IsPool)
            {
                warnings.Add($"{service.FullName}: dest {change.Before.Destination} → {service.Destination} applies at the next restart");
                continue;
            }
            if (pooled is not null)
            {
                pooled.Update(service);
            }
            else
            {
                current.First(l => l.Route.Service == change.Before).Route.Update(service, m => monitor.Find(service.FullName, m.Name));
            }
            LogChanged(logger, change);
        }
        // Removed ports close before new ones open: a service moving from one address to * on the same port needs it.
        var removed = current.Where(l => diff.Removed.Contains(l.Route.Service)).ToList();
        foreach (var listener in removed)
        {
            await listener.StopAcceptingAsync();
            retirement.Retire(listener);
        }
        // A removed dest: pool service's clients are disconnected with it.
        var removedPools = currentPools.Where(p => diff.Removed.Contains(p.Route.Service)).ToList();
        foreach (var pooled in removedPools)
        {
            await pooled.DisposeAsync();
        }
        var added = new List<ServiceListener>();
        var addedPools = new List<PoolService>();
        var errors = new List<string>();
        foreach (var service in diff.Added)
        {
            try
            {
                if (service.IsPool)
                {
                    addedPools.Add(starter.StartPool(clusters.First(c => c.Name == service.Cluster), service, next.SourceFile));
                }
                else
                {
                    added.Add(starter.StartListener(service));
                }
            }
            catch (Exception e) when (e is SocketException or InvalidOperationException)
            {
                errors.Add($"{service.FullName}: cannot listen on {service.Bind}:{service.Port}: {e.Message}");
                LogReloadError(logger, errors[^1]);
            }
        }
        // In the order of the inventory, as at start-up.
        var order = monitored.Select((s, i) => (s.FullName, s.Bind, s.Port, i)).ToDictionary(k => (k.FullName, k.Bind, k.Port), k => k.i);
        state.Apply(next, clusters,
            [.. current.Except(removed).Concat(added).OrderBy(l => order.GetValueOrDefault((l.Route.Service.FullName, l.Route.Service.Bind, l.Route.Service.Port), int.MaxValue))],
            [.. currentPools.Except(removedPools).Concat(addedPools)]);

        foreach (var pooler in poolers)
        {
            if (poolerOptions.TryGetValue(pooler.Instance, out var reloaded))
            {
                pooler.Pooler.Reload(reloaded);
            }
        }
        foreach (var (pooled, reloaded) in poolServiceOptions)
        {
            pooled.Pooler.Reload(reloaded);
        }
        foreach (var warning in warnings)
        {
            LogReloadWarning(logger, warning);
        }
        var result = new ReloadResult(true, [.. diff.Added.Select(s => s.FullName)], [.. diff.Removed.Select(s => s.FullName)],
            [.. diff.Changed.Select(c => c.After.FullName)], [.. errors], [.. warnings]);
        LogReloaded(logger, result);
        return result;
    }

    public void Dispose() => gate.Dispose();

    private ReloadResult Reject(List<string> errors)
    {
        foreach (var error in errors)
        {
            LogReloadError(logger, error);
        }
        LogRejected(logger, errors.Count);
        return ReloadResult.Rejected(errors);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "reload: {File}: {Added} services to add, {Removed} to remove, {Changed} changed")]
    private static partial void LogReloading(ILogger logger, string file, int added, int removed, int changed);

    [LoggerMessage(Level = LogLevel.Information, Message = "reload: {Change} changed; new connections follow it")]
    private static partial void LogChanged(ILogger logger, ServiceChange change);

    [LoggerMessage(Level = LogLevel.Information, Message = "reload applied: {Result}")]
    private static partial void LogReloaded(ILogger logger, ReloadResult result);

    [LoggerMessage(Level = LogLevel.Error, Message = "reload: {Error}")]
    private static partial void LogReloadError(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "reload: {Warning}")]
    private static partial void LogReloadWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Error, Message = "reload rejected ({Count} errors); the configuration in use is kept")]
    private static partial void LogRejected(ILogger logger, int count);
}
