using Microsoft.Extensions.Logging;
using Pgway.Admin;
using Pgway.Agent;
using Pgway.Health;
using Pgway.Transport;

namespace Pgway.Hosting;

/// <summary>
/// What a host runs besides its ports and endpoints, made by <see cref="GatewayHostBuilder"/> in dependency order before
/// any port opens: the live state, the monitor, and the types that answer the consoles and the admin endpoint.
/// </summary>
internal sealed record GatewayParts(
    GatewayState State,
    HealthMonitor Monitor,
    GatewayStatus Status,
    DcsFollower Dcs,
    GatewayVips Vips,
    GatewayDns Dns,
    GatewaySwitchover Switchover,
    GatewayReload Reload,
    ServiceRetirement Retirement,
    HttpClient PatroniApi,
    EpollLoopGroup Loops,
    TimeProvider Time,
    ILogger Logger)
{
    /// <summary>Stops everything, the ports and endpoints started with the parts included; each part stops even if another failed to.</summary>
    /// <exception cref="AggregateException">Some part did not stop cleanly (the others are stopped).</exception>
    public async ValueTask StopAsync(AgentServer? agents, AdminEndpoint? admin)
    {
        var failures = new List<Exception>();
        async Task Try(Func<ValueTask> stop)
        {
            try
            {
                await stop();
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }
        // The VIP first: clients should reach the next leader's node, not a pgway on its way out.
        await Try(Vips.DisposeAsync);
        Status.Dispose();
        Dns.Dispose();
        await Try(Retirement.DisposeAsync);
        await Try(Dcs.DisposeAsync);
        // A stuck listener must not leave the agents running.
        if (admin is not null)
        {
            await Try(admin.DisposeAsync);
        }
        foreach (var listener in State.Listeners)
        {
            await Try(listener.DisposeAsync);
        }
        foreach (var pooled in State.PoolServices)
        {
            await Try(pooled.DisposeAsync);
        }
        foreach (var pooler in State.Poolers)
        {
            await Try(pooler.Pooler.DisposeAsync);
        }
        await Try(Monitor.DisposeAsync);
        if (agents is not null)
        {
            await Try(agents.DisposeAsync);
        }
        // After every port and pooler that ran sessions on them.
        Loops.Dispose();
        PatroniApi.Dispose();
        Reload.Dispose();
        if (failures.Count > 0)
        {
            throw new AggregateException("pgway did not stop cleanly", failures);
        }
    }
}
