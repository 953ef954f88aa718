using Microsoft.Extensions.Logging;

namespace Pgway.Vip;

// Moves at warning level: a VIP moving is a failover, which an operator wants to see without debug logs.
internal sealed partial class VipKeeper
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: VIP {Vip} added on {Interface} and announced: {Reason}")]
    private static partial void LogAdded(ILogger logger, string cluster, string vip, string @interface, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: VIP {Vip} removed: {Reason}")]
    private static partial void LogRemoved(ILogger logger, string cluster, string vip, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Cluster}: VIP {Vip}: {Error} (retried every step)")]
    private static partial void LogFailed(ILogger logger, string cluster, string vip, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Cluster}: VIP {Vip}: actions work again")]
    private static partial void LogRecovered(ILogger logger, string cluster, string vip);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Cluster}: VIP {Vip}: {Others} still answer(s) for it after {Seconds:0.#} s: adding it anyway (that host's pgway may be gone; the address is on two hosts until it lets go)")]
    private static partial void LogTakingOver(ILogger logger, string cluster, string vip, string others, double seconds);
}
