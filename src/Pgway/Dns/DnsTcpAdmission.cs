using System.Net;

namespace Pgway.Dns;

/// <summary>
/// The TCP connections one address serves at once: at most <see cref="DnsOptions.MaxTcpConnections"/> in all and
/// <see cref="DnsOptions.MaxTcpConnectionsPerSource"/> from one source address, so one client cannot hold every slot and
/// lock every other resolver out. Each connection admitted is released once, when it ends.
/// </summary>
internal sealed class DnsTcpAdmission(int maxConnections, int maxPerSource)
{
    private readonly Lock gate = new();
    // Only sources with a connection open: the table is bounded by maxConnections.
    private readonly Dictionary<IPAddress, int> bySource = [];
    private int open;

    /// <summary>Connections open now.</summary>
    public int Open
    {
        get
        {
            lock (gate)
            {
                return open;
            }
        }
    }

    /// <summary>Whether one more connection from <paramref name="source"/> may be served now (and takes its slot when it may).</summary>
    public DnsTcpAdmissionResult TryAdmit(IPAddress source)
    {
        ArgumentNullException.ThrowIfNull(source);
        source = Normal(source);
        lock (gate)
        {
            if (open >= maxConnections)
            {
                return DnsTcpAdmissionResult.TooManyConnections;
            }
            var mine = bySource.GetValueOrDefault(source);
            if (mine >= maxPerSource)
            {
                return DnsTcpAdmissionResult.TooManyFromSource;
            }
            bySource[source] = mine + 1;
            open++;
            return DnsTcpAdmissionResult.Admitted;
        }
    }

    /// <summary>A connection from <paramref name="source"/> that was admitted has ended.</summary>
    public void Release(IPAddress source)
    {
        ArgumentNullException.ThrowIfNull(source);
        source = Normal(source);
        lock (gate)
        {
            if (!bySource.TryGetValue(source, out var mine))
            {
                return;
            }
            if (mine <= 1)
            {
                bySource.Remove(source);
            }
            else
            {
                bySource[source] = mine - 1;
            }
            open--;
        }
    }

    // A dual-stack socket shows an IPv4 client as ::ffff:a.b.c.d: the same source either way.
    private static IPAddress Normal(IPAddress source) => source.IsIPv4MappedToIPv6 ? source.MapToIPv4() : source;
}
