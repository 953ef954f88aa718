using System.Collections.Immutable;
using System.Net;
using Microsoft.Extensions.Logging;
using Pgway.Dcs;
using Pgway.Dns;
using Pgway.Health;
using Pgway.Model;
using Pgway.Routing;

namespace Pgway.Hosting;

/// <summary>
/// The DNS server of <c>pgway serve</c> (none unless the options ask for one) and what it counts, answering
/// from <see cref="LiveDnsZone"/>.
/// </summary>
internal sealed class GatewayDns : IDisposable
{
    private readonly LiveDnsZone zone;
    private readonly DnsEndpoint? endpoint;

    private GatewayDns(LiveDnsZone zone, DnsEndpoint? endpoint, DnsStats stats)
    {
        this.zone = zone;
        this.endpoint = endpoint;
        Stats = stats;
    }

    public DnsStats Stats { get; }

    /// <summary>Where the server listens; empty when it does not run.</summary>
    public IReadOnlyList<IPEndPoint> EndPoints => endpoint?.EndPoints ?? [];

    /// <summary>The names answered now.</summary>
    public DnsZone Zone() => zone.Zone();

    /// <summary>Starts the server on each node's address and <see cref="DnsOptions.Port"/>; none without <paramref name="options"/>.</summary>
    public static GatewayDns Start(GatewayState state, HealthMonitor monitor, IReadOnlyList<string> nodes, DnsOptions? options, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var zone = new LiveDnsZone(state, monitor, time);
        var stats = new DnsStats();
        if (options is null)
        {
            return new GatewayDns(zone, null, stats);
        }
        var endPoints = new List<IPEndPoint>();
        foreach (var node in nodes)
        {
            if (!IPAddress.TryParse(node, out var address))
            {
                zone.Dispose();
                throw new ArgumentException($"the DNS server needs an IP address to listen on, not '{node}' (or run serve with --no-dns)", nameof(nodes));
            }
            endPoints.Add(new IPEndPoint(address, options.Port));
        }
        try
        {
            return new GatewayDns(zone, DnsEndpoint.Start(endPoints, options, zone.Zone, stats, time, logger), stats);
        }
        catch
        {
            zone.Dispose();
            throw;
        }
    }

    /// <summary><c>pgway_dns_*</c>; empty when the server does not run.</summary>
    public string Metrics() => endpoint is null ? "" : Stats.Metrics();

    public void Dispose()
    {
        endpoint?.Dispose();
        zone.Dispose();
    }
}
