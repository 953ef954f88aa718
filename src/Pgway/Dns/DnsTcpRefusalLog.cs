using System.Net;
using Microsoft.Extensions.Logging;

namespace Pgway.Dns;

/// <summary>
/// Says that TCP connections are being closed at accept, at most once per <see cref="Interval"/>: a flood of
/// connections must not become a flood of log lines. Each line names the source and limit of the refusal it reports
/// and how many more were closed since the last line; every refusal is also counted (<c>result="ratelimited"</c>).
/// </summary>
internal sealed partial class DnsTcpRefusalLog(ILogger logger, DnsOptions options, TimeProvider time)
{
    /// <summary>Log lines about refused connections come at most this often.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly Lock gate = new();
    private long? loggedAt;
    private long unreported;

    /// <summary>A connection from <paramref name="source"/> to <paramref name="local"/> was closed at accept.</summary>
    public void Refused(DnsTcpAdmissionResult reason, IPAddress source, IPEndPoint local)
    {
        long since;
        lock (gate)
        {
            var now = time.GetTimestamp();
            if (loggedAt is { } at && time.GetElapsedTime(at, now) < Interval)
            {
                unreported++;
                return;
            }
            loggedAt = now;
            since = unreported;
            unreported = 0;
        }
        if (reason == DnsTcpAdmissionResult.TooManyFromSource)
        {
            LogTooManyFromSource(logger, local, source, options.MaxTcpConnectionsPerSource, since, Interval.TotalSeconds);
        }
        else
        {
            LogTooManyConnections(logger, local, source, options.MaxTcpConnections, since, Interval.TotalSeconds);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "DNS {Local} (TCP): a connection from {Source} closed at accept: that source holds {Limit} connections already, the most one source may; {Since} more closed since the last such line (at most one a {Seconds} s)")]
    private static partial void LogTooManyFromSource(ILogger logger, IPEndPoint local, IPAddress source, int limit, long since, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DNS {Local} (TCP): a connection from {Source} closed at accept: {Limit} connections open already, the most one address serves; {Since} more closed since the last such line (at most one a {Seconds} s)")]
    private static partial void LogTooManyConnections(ILogger logger, IPEndPoint local, IPAddress source, int limit, long since, double seconds);
}
