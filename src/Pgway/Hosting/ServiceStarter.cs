using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pgway.Health;
using Pgway.Model;
using Pgway.Pooling;
using Pgway.Routing;
using Pgway.Transport;

namespace Pgway.Hosting;

/// <summary>
/// Opens a service's port, at start-up and when a reload adds the service: a listener splicing to the member its
/// route chooses, or a <c>dest: pool</c> service's pooler, whose console reaches the process through <paramref name="control"/>.
/// </summary>
internal sealed partial class ServiceStarter(HealthMonitor monitor, GatewayOptions options, ClientAdmission admission, EpollLoopGroup loops, IGatewayControl control, CancelKeyRegistry cancelKeys, TimeProvider time, ILoggerFactory logging)
{
    private readonly ILogger logger = logging.CreateLogger<GatewayHost>();

    /// <summary>A <c>dest: pool</c> service's pooler and route; throws <see cref="SocketException"/> when its port is taken.</summary>
    /// <exception cref="InvalidOperationException">The cluster's pooler auth or hba file has errors.</exception>
    public PoolService StartPool(Cluster cluster, Service service, string inventoryFile)
    {
        var pooled = PoolService.Start(cluster, service, monitor, inventoryFile, options, time, logging, admission, control, loops, cancelKeys);
        LogPoolService(logger, service.FullName, service.Bind, service.Port, cluster.Pooler.PoolMode);
        return pooled;
    }

    /// <summary>A service's route, fed by the monitor, and its listener; throws <see cref="SocketException"/> when its port is taken.</summary>
    public ServiceListener StartListener(Service service)
    {
        var route = new ServiceRoute(service, m => monitor.Find(service.FullName, m.Name), options.Listeners.QueueTimeout, time);
        monitor.StateChanged += route.OnHealthChanged;
        var bind = service.Bind == Service.AnyAddress ? (Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any) : IPAddress.Parse(service.Bind);
        try
        {
            var listener = ServiceListener.Start(route, new IPEndPoint(bind, service.Port), options.Listeners with { PgbouncerCancel = options.RunPoolers ? Pooling.CancelKey.MarkedForwarded : null }, time, logging.CreateLogger<ServiceListener>(), admission, loops);
            LogListening(logger, service.FullName, service.Bind, service.Port, service.Destination);
            return listener;
        }
        catch
        {
            monitor.StateChanged -= route.OnHealthChanged;
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Service} listening on {Bind}:{Port} → pool to the members' postgres ({Mode} mode)")]
    private static partial void LogPoolService(ILogger logger, string service, string bind, int port, PoolMode mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Service} listening on {Bind}:{Port} → {Destination}")]
    private static partial void LogListening(ILogger logger, string service, string bind, int port, PortReference destination);
}
