using System.Net;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Logging;

namespace Pgway.Dns;

/// <summary>
/// The DNS server of one process: UDP and TCP on each hosted node's address, ARSoft.Tools.Net reading and writing the
/// messages. A packet that is not a query is dropped unanswered and counted as malformed; a UDP
/// source over its rate, and a TCP connection past <see cref="DnsOptions.MaxTcpConnections"/> or its source's
/// <see cref="DnsOptions.MaxTcpConnectionsPerSource"/>, are dropped before anything is read. Answers come from the zone of the moment
/// (a function the host gives), so they follow the routing live.
/// </summary>
internal sealed class DnsEndpoint : IDisposable
{
    private readonly DnsServer server;
    private readonly Func<DnsZone> zone;
    private readonly DnsAnswerer answerer;
    private readonly DnsRateLimiter limiter;
    private readonly DnsStats stats;
    private readonly DnsTcpRefusalLog refusals;

    private DnsEndpoint(IReadOnlyList<IPEndPoint> endPoints, DnsOptions options, Func<DnsZone> zone, DnsStats stats, TimeProvider time, ILogger logger)
    {
        this.zone = zone;
        this.stats = stats;
        answerer = new DnsAnswerer(options);
        limiter = new DnsRateLimiter(options, time);
        refusals = new DnsTcpRefusalLog(logger, options, time);
        var timeout = (int)options.TcpTimeout.TotalMilliseconds;
        var transports = new List<IServerTransport>();
        foreach (var endPoint in endPoints)
        {
            // A UDP "connection" is one packet, bounded by the rate limit instead.
            transports.Add(new GuardedTransport(new UdpServerTransport(endPoint, timeout), null, OnMalformed, (_, _) => { }));
            var admission = new DnsTcpAdmission(options.MaxTcpConnections, options.MaxTcpConnectionsPerSource);
            transports.Add(new GuardedTransport(new TcpServerTransport(endPoint, timeout, timeout), admission, OnMalformed,
                (reason, source) => OnRefused(reason, source, endPoint)));
        }
        server = new DnsServer([.. transports]);
        server.ClientConnected += OnClientConnected;
        server.QueryReceived += OnQueryReceived;
        EndPoints = endPoints;
    }

    /// <summary>Where it listens, UDP and TCP.</summary>
    public IReadOnlyList<IPEndPoint> EndPoints { get; }

    /// <summary>Binds every address and starts answering; throws (a <see cref="System.Net.Sockets.SocketException"/>) when one cannot be bound.</summary>
    public static DnsEndpoint Start(IReadOnlyList<IPEndPoint> endPoints, DnsOptions options, Func<DnsZone> zone, DnsStats stats, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(endPoints);
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = new DnsEndpoint(endPoints, options, zone, stats, time, logger);
        endpoint.server.Start();
        return endpoint;
    }

    // Raised for each UDP packet and each TCP connection, before the message is parsed. It must not throw: the
    // library raises it from an async void method.
    private Task OnClientConnected(object sender, ClientConnectedEventArgs e)
    {
        // TCP needs a handshake from the real source: only UDP can be aimed at a spoofed victim.
        if (e.TransportProtocol == TransportProtocol.Udp && !limiter.TryTake(e.RemoteEndpoint.Address))
        {
            e.RefuseConnect = true;
            stats.Count(DnsAnswerer.OtherName, DnsResult.RateLimited);
        }
        return Task.CompletedTask;
    }

    private Task OnQueryReceived(object sender, QueryReceivedEventArgs e)
    {
        // Answers sent to us never get here (GuardedTransport drops them): the library answers SERVFAIL to any
        // message left without a response, so this handler cannot stay silent.
        if (e.Query is not DnsMessage query)
        {
            // Another opcode the library reads as its own kind of message (UPDATE): RFC 2136 wants NOTIMP.
            e.Response = new DnsMessage
            {
                TransactionID = e.Query.TransactionID,
                IsQuery = false,
                OperationCode = OperationCode.Update,
                ReturnCode = ReturnCode.NotImplemented,
            };
            stats.Count(DnsAnswerer.OtherName, DnsResult.NotImplemented);
            return Task.CompletedTask;
        }
        var reply = answerer.Answer(query, zone(), e.TransportProtocol == TransportProtocol.Udp);
        stats.Count(reply.Name, reply.Result);
        e.Response = reply.Response;
        return Task.CompletedTask;
    }

    private void OnMalformed() => stats.Count(DnsAnswerer.OtherName, DnsResult.Malformed);

    private void OnRefused(DnsTcpAdmissionResult reason, IPEndPoint source, IPEndPoint local)
    {
        stats.Count(DnsAnswerer.OtherName, DnsResult.RateLimited);
        refusals.Refused(reason, source.Address, local);
    }

    public void Dispose() => server.Stop();
}
