using Microsoft.Extensions.Logging;

namespace Pgway.Dcs;

internal sealed partial class DcsWatch
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Cluster}: watching Patroni's leader key {Key} in etcd ({Endpoints})")]
    private static partial void LogWatching(ILogger logger, string cluster, string key, string endpoints);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: DCS watch lost or not connected (etcd {Endpoints}: {Reason}); routing follows the health checks alone; retrying in {RetrySeconds} s (attempt {Attempt})")]
    private static partial void LogLost(ILogger logger, string cluster, string endpoints, string reason, double retrySeconds, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Cluster}: DCS watch of {Prefix} recovered after {Attempts} failed attempts")]
    private static partial void LogRecovered(ILogger logger, string cluster, string prefix, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: etcd has no leader key {Key} (no leader now, or Patroni's namespace or scope differs from pg_dcs)")]
    private static partial void LogNoLeaderKey(ILogger logger, string cluster, string key);

    [LoggerMessage(Message = "{Cluster}: DCS leader is {Leader} (was {Previous})")]
    private static partial void LogLeader(ILogger logger, LogLevel level, string cluster, string leader, string previous);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Cluster}: a DCS leader listener failed")]
    private static partial void LogListenerFailed(ILogger logger, string cluster, Exception exception);
}
