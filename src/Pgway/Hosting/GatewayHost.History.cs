using Pgway.Admin;

namespace Pgway.Hosting;

// The stats page's charts: a status document sampled every few seconds into bounded rings, whether or not a page is open.
public sealed partial class GatewayHost
{
    private readonly StatusHistory history = new(StatusHistory.DefaultInterval, StatusHistory.DefaultCapacity);
    private ITimer? historyTimer;

    private void StartHistory(TimeProvider time) =>
        historyTimer = time.CreateTimer(_ => history.Record(StatusNow()), null, TimeSpan.Zero, history.Interval);

    private void StopHistory() => historyTimer?.Dispose();
}
