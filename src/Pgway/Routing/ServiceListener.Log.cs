using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Pgway.Routing;

public sealed partial class ServiceListener
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service}: accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, string service, SocketError error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service}: connecting to {Member} failed ({Error}); trying another member")]
    private static partial void LogConnectFailed(ILogger logger, string service, string member, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service}: refused {Client}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string service, IPEndPoint client, RouteFailure reason);

    // Debug: at thousands of sessions a second, a line each would cost more than the sessions.
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Service}: {Client} via {Member} ended: {End}")]
    private static partial void LogSessionEnded(ILogger logger, string service, IPEndPoint client, string member, SpliceEnd end);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Service}: a session failed")]
    private static partial void LogSessionFailed(ILogger logger, string service, Exception exception);
}
