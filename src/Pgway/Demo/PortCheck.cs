using System.Net;
using System.Net.Sockets;
using Pgway.Model;

namespace Pgway.Demo;

/// <summary>
/// Whether the ports a cluster's nodes need are free, before anything starts, so that a taken port
/// is named with what needs it rather than surfacing as a bind error halfway through.
/// </summary>
internal static class PortCheck
{
    /// <summary>The ports pgway itself listens on for the cluster: services, poolers, agents, admin endpoints.</summary>
    public static IReadOnlyList<(IPEndPoint EndPoint, string What)> GatewayPorts(Cluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var ports = new List<(IPEndPoint, string)>();
        foreach (var service in cluster.Services)
        {
            var bind = service.Bind == Service.AnyAddress ? IPAddress.Any : IPAddress.Parse(service.Bind);
            ports.Add((new IPEndPoint(bind, service.Port), $"service {service.FullName}"));
        }
        foreach (var instance in cluster.Instances)
        {
            var address = IPAddress.Parse(instance.Address);
            ports.Add((new IPEndPoint(address, instance.PgbouncerPort), $"the pooler of {instance.Name}"));
            ports.Add((new IPEndPoint(address, instance.PatroniPort), $"the health agent of {instance.Name}"));
            ports.Add((new IPEndPoint(address, instance.HaproxyExporterPort), $"the admin endpoint of {instance.Name}"));
        }
        return ports;
    }

    /// <summary>The PostgreSQL port of every instance.</summary>
    public static IReadOnlyList<(IPEndPoint EndPoint, string What)> PostgresPorts(Cluster cluster) =>
        [.. (cluster ?? throw new ArgumentNullException(nameof(cluster))).Instances.Select(i => (new IPEndPoint(IPAddress.Parse(i.Address), i.PgPort), $"PostgreSQL {i.Name}"))];

    /// <summary>A message for the first port that cannot be bound, or null when all are free.</summary>
    public static string? FindProblem(IEnumerable<(IPEndPoint EndPoint, string What)> ports)
    {
        ArgumentNullException.ThrowIfNull(ports);
        foreach (var (endPoint, what) in ports)
        {
            using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(endPoint);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                return $"{endPoint} is taken, and {what} needs it: another program listens there (an earlier pgway demo or pgway serve, " +
                    $"a PostgreSQL, PgBouncer or HAProxy?). Stop it (ss -ltnp 'sport = :{endPoint.Port}' names it) and run pgway demo again.";
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
            {
                return $"{endPoint.Address} is not an address of this machine, and {what} needs it: Linux answers on all of 127.0.0.0/8, " +
                    $"elsewhere add the address to the loopback interface (macOS: sudo ifconfig lo0 alias {endPoint.Address}).";
            }
        }
        return null;
    }
}
