using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Pgway.Routing;

internal sealed partial class ServiceListener
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service}: accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, string service, SocketError error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Service}: a new client could not be taken on (closed); still accepting")]
    private static partial void LogAcceptCrashed(ILogger logger, string service, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service}: connecting to {Member} failed ({Error}); trying another member")]
    private static partial void LogConnectFailed(ILogger logger, string service, string member, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service}: refused {Client}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string service, IPEndPoint client, RouteFailure reason);

    // One line per connection event: --log-level warning turns them off where sessions are too many to log.
    [LoggerMessage(Level = LogLevel.Information, Message = "{Service}: {Client} connected to {Member}:{Port}")]
    private static partial void LogSessionOpened(ILogger logger, string service, IPEndPoint client, string member, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Service}: {Client} via {Member} closed: {Reason}, {BytesIn} bytes in, {BytesOut} bytes out, {Seconds:0.###}s")]
    private static partial void LogSessionClosed(ILogger logger, string service, IPEndPoint client, string member, string reason, long bytesIn, long bytesOut, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Service}: cancel request from {Client} sent to every member ({Taken} of {Members} took it)")]
    private static partial void LogCancelForwarded(ILogger logger, string service, IPEndPoint client, int taken, int members);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Service}: a session failed")]
    private static partial void LogSessionFailed(ILogger logger, string service, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service}: refused {Refused} clients at accept in the last seconds: {Reason}")]
    private static partial void LogRefusedAtAccept(ILogger logger, string service, long refused, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Service}: cannot open a socket to {Member}: {Error} (pgway's own shortage, not the member's fault)")]
    private static partial void LogLocalSocketError(ILogger logger, string service, string member, SocketError error);
}
