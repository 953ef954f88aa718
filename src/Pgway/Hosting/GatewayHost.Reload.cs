using System.Collections.Immutable;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.Model;
using Pgway.Pooling;
using Pgway.Routing;

namespace Pgway.Hosting;

// SIGHUP and the console's RELOAD: the inventory is read again, checked whole, and the difference
// applied live (the YARP way: diff two immutable models, then apply). A configuration with errors
// changes nothing.
public sealed partial class GatewayHost
{
    private readonly SemaphoreSlim reloadGate = new(1, 1);
    private readonly Lock retiringGate = new();
    private readonly List<Task> retiring = [];
    private readonly CancellationTokenSource retireStopping = new();
    private bool draining;
    private Topology topology = null!;
    private GatewayOptions options = null!;
    private ClientAdmission admission = null!;
    private TimeProvider time = null!;
    private ILoggerFactory logging = null!;
    private ILogger logger = null!;

    /// <summary>Where the configuration in use was read from, read again by <see cref="ReloadFromFileAsync"/>.</summary>
    public string SourceFile => topology.SourceFile;

    /// <summary>Listeners of removed services still running sessions.</summary>
    public int RetiringServices
    {
        get
        {
            lock (retiringGate)
            {
                return retiring.Count;
            }
        }
    }

    private void KeepForReload(Topology loaded, GatewayOptions gatewayOptions, ClientAdmission clientAdmission, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        admission = clientAdmission;
        topology = loaded;
        options = gatewayOptions;
        time = timeProvider;
        logging = loggerFactory;
        logger = loggerFactory.CreateLogger<GatewayHost>();
    }

    /// <summary>Reads <see cref="SourceFile"/> again and applies it (see <see cref="ReloadAsync"/>); its errors reject it, each logged with file and line.</summary>
    public async Task<ReloadResult> ReloadFromFileAsync(CancellationToken cancellationToken)
    {
        var file = SourceFile;
        var loaded = await Task.Run(() => InventoryLoader.LoadFile(file), cancellationToken);
        if (loaded.HasErrors || loaded.Topology is null)
        {
            return Reject([.. loaded.Errors.Select(e => e.ToString())]);
        }
        return await ReloadAsync(loaded.Topology, cancellationToken);
    }

    /// <summary>
    /// Applies <paramref name="next"/> live. Services are compared by full name, bind address and port:
    /// new ones start listening; removed ones stop accepting and their sessions run on until they end
    /// or <see cref="GatewayOptions.DrainTimeout"/>; changed ones take their new members, weights,
    /// balance, options and checks for new connections, established ones untouched. Each pooler, a
    /// node's or a <c>dest: pool</c> port's, takes its new settings (as the console's RELOAD): users,
    /// passwords, hba, limits and TLS. A configuration that does not fit (a hosted node missing, a
    /// pooler's auth or hba file with errors, a TLS file missing or bad) is rejected and nothing changes.
    /// </summary>
    /// <remarks>A pooler, agent or admin endpoint added or removed needs a restart; the result warns of it.</remarks>
    public async Task<ReloadResult> ReloadAsync(Topology next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        await reloadGate.WaitAsync(cancellationToken);
        try
        {
            // A reload would open ports again.
            return draining ? Reject(["pgway is shutting down"]) : await ApplyAsync(next, cancellationToken);
        }
        finally
        {
            reloadGate.Release();
        }
    }

    // The console's RELOAD: null when applied, or why not.
    private async Task<string?> ReloadForConsoleAsync(CancellationToken cancellationToken)
    {
        var result = await ReloadFromFileAsync(cancellationToken);
        return result.Applied ? null : string.Join("; ", result.Errors);
    }

    private async Task<ReloadResult> ApplyAsync(Topology next, CancellationToken cancellationToken)
    {
        IReadOnlyList<Cluster> clusters;
        try
        {
            clusters = HostedClusters(next, options.Nodes);
        }
        catch (ArgumentException e)
        {
            return Reject([e.Message]);
        }
        var current = listeners;
        var currentPools = poolServices;
        var diff = ServiceDiff.Between(current.Select(l => l.Route.Service).Concat(currentPools.Select(p => p.Route.Service)), HostedServices(clusters, options.Nodes));
        var (poolerOptions, poolerErrors, warnings) = PoolersFor(clusters, next.SourceFile);
        var (poolServiceOptions, poolServiceErrors) = PoolServicesFor(currentPools, clusters, diff, next.SourceFile);
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
        foreach (var service in HostedServices(clusters, options.Nodes))
        {
            monitored.Add(changedBy.GetValueOrDefault(service.FullName)
                ?? diff.Unchanged.FirstOrDefault(u => u.FullName == service.FullName && u.Bind == service.Bind && u.Port == service.Port)
                ?? service);
        }
        await monitor.UpdateAsync(monitored, cancellationToken);
        FollowDcsLeaders();

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
            Retire(listener);
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
                    addedPools.Add(StartPoolService(clusters.First(c => c.Name == service.Cluster), service, monitor, next.SourceFile, options, admission, time, logging, logger, ReloadForConsoleAsync));
                }
                else
                {
                    added.Add(StartListener(service, monitor, options, admission, time, logging, logger));
                }
            }
            catch (Exception e) when (e is SocketException or InvalidOperationException)
            {
                errors.Add($"{service.FullName}: cannot listen on {service.Bind}:{service.Port}: {e.Message}");
                LogReloadError(logger, errors[^1]);
            }
        }
        poolServices = [.. currentPools.Except(removedPools).Concat(addedPools)];
        // In the order of the inventory, as at start-up.
        var order = monitored.Select((s, i) => (s.FullName, s.Bind, s.Port, i)).ToDictionary(k => (k.FullName, k.Bind, k.Port), k => k.i);
        listeners = [.. current.Except(removed).Concat(added).OrderBy(l => order.GetValueOrDefault((l.Route.Service.FullName, l.Route.Service.Bind, l.Route.Service.Port), int.MaxValue))];

        for (var i = 0; i < poolers.Count; i++)
        {
            if (poolerOptions.TryGetValue(poolerInstances[i], out var reloaded))
            {
                poolers[i].Reload(reloaded);
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
        topology = next;
        Clusters = clusters;
        var result = new ReloadResult(true, [.. diff.Added.Select(s => s.FullName)], [.. diff.Removed.Select(s => s.FullName)],
            [.. diff.Changed.Select(c => c.After.FullName)], [.. errors], [.. warnings]);
        LogReloaded(logger, result);
        return result;
    }

    // Each running pooler's new options, checked before anything changes; what a reload cannot do is a warning.
    private (Dictionary<string, PoolerReload> Options, List<string> Errors, List<string> Warnings) PoolersFor(IReadOnlyList<Cluster> clusters, string file)
    {
        var found = new Dictionary<string, PoolerReload>(StringComparer.Ordinal);
        var errors = new List<string>();
        var warnings = new List<string>();
        if (!options.RunPoolers)
        {
            return (found, errors, warnings);
        }
        foreach (var cluster in clusters)
        {
            foreach (var instance in cluster.Instances.Where(i => options.Nodes.Contains(i.Address) && PoolerSetup.IsEnabled(i)))
            {
                if (!poolerInstances.Contains(instance.Name))
                {
                    warnings.Add($"{instance.Name}: its pooler starts at the next restart");
                    continue;
                }
                try
                {
                    found[instance.Name] = PoolerReload.Load(PoolerSetup.For(cluster, instance, file));
                }
                catch (InvalidOperationException e)
                {
                    errors.Add(e.Message);
                }
            }
        }
        warnings.AddRange(poolerInstances.Where(name => !found.ContainsKey(name) && errors.Count == 0)
            .Select(name => $"{name}: no pooler in the inventory any more; it runs until the next restart"));
        return (found, errors, warnings);
    }

    // Each dest: pool port that stays (a dest changed away from pool included: it pools until the
    // restart) takes its cluster's new pooler settings as a node's pooler does, checked before anything changes.
    private static (List<(PoolService Service, PoolerReload Options)> Options, List<string> Errors) PoolServicesFor(List<PoolService> running, IReadOnlyList<Cluster> clusters, ServiceDiff diff, string file)
    {
        var found = new List<(PoolService, PoolerReload)>();
        var errors = new List<string>();
        foreach (var pooled in running.Where(p => !diff.Removed.Contains(p.Route.Service)))
        {
            var service = diff.Changed.FirstOrDefault(c => c.Before == pooled.Route.Service)?.After is { IsPool: true } after ? after : pooled.Route.Service;
            try
            {
                found.Add((pooled, PoolerReload.Load(pooled.OptionsFor(clusters.First(c => c.Name == service.Cluster), service, file))));
            }
            catch (InvalidOperationException e)
            {
                errors.Add(e.Message);
            }
        }
        return (found, errors);
    }

    private ReloadResult Reject(List<string> errors)
    {
        foreach (var error in errors)
        {
            LogReloadError(logger, error);
        }
        LogRejected(logger, errors.Count);
        return ReloadResult.Rejected(errors);
    }

    // A removed service's sessions run on in the background until they end or the drain timeout.
    private void Retire(ServiceListener listener)
    {
        var service = listener.Route.Service.FullName;
        LogRetiring(logger, service, listener.SessionCount, options.DrainTimeout.TotalSeconds);
        Task drained = null!;
        drained = Task.Run(async () =>
        {
            try
            {
                if (!await listener.DrainAsync(options.DrainTimeout, retireStopping.Token))
                {
                    LogRetireTimedOut(logger, service, listener.SessionCount);
                }
            }
            catch (OperationCanceledException)
            {
                // pgway is stopping: the sessions end with it.
            }
            finally
            {
                monitor.StateChanged -= listener.Route.OnHealthChanged;
                await listener.DisposeAsync();
                LogRetired(logger, service);
                lock (retiringGate)
                {
                    retiring.Remove(drained);
                }
            }
        }, CancellationToken.None);
        lock (retiringGate)
        {
            if (!drained.IsCompleted)
            {
                retiring.Add(drained);
            }
        }
    }

    private async Task StopRetiringAsync()
    {
        await retireStopping.CancelAsync();
        Task[] running;
        lock (retiringGate)
        {
            running = [.. retiring];
        }
        await Task.WhenAll(running);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "{Service} removed: no longer accepting; draining {Sessions} sessions (at most {Seconds}s)")]
    private static partial void LogRetiring(ILogger logger, string service, int sessions, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service}: drain timeout; closing {Sessions} sessions")]
    private static partial void LogRetireTimedOut(ILogger logger, string service, int sessions);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Service} removed: drained")]
    private static partial void LogRetired(ILogger logger, string service);
}
