namespace Pgway.Admin;

/// <summary>
/// The last minutes of every service's clients, servers, waiting clients and transactions per second, and of every
/// member's check duration, for the stats page's charts. The host records a status document every
/// <see cref="Interval"/>; each series keeps <see cref="Capacity"/> samples in a ring, and a service or member that
/// a reload removed is forgotten at the next sample, so memory stays bounded by what the inventory serves.
/// </summary>
internal sealed class StatusHistory
{
    /// <summary>Two seconds: the stats page's refresh.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(2);

    /// <summary>Five minutes at <see cref="DefaultInterval"/>: enough to see a failover and what led to it, in a few kB per service.</summary>
    public const int DefaultCapacity = 150;

    private readonly Lock gate = new();
    private Dictionary<string, ServiceSeries> services = new(StringComparer.Ordinal);
    private Dictionary<(string Service, string Member), SampleRing<double?>> checks = [];

    public StatusHistory(TimeSpan interval, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Interval = interval;
        Capacity = capacity;
    }

    /// <summary>The time between two samples.</summary>
    public TimeSpan Interval { get; }

    /// <summary>The samples kept per series.</summary>
    public int Capacity { get; }

    /// <summary>Adds one sample of every series from a status document; series of services or members no longer in it are dropped.</summary>
    public void Record(StatusReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        lock (gate)
        {
            var nextServices = new Dictionary<string, ServiceSeries>(StringComparer.Ordinal);
            var nextChecks = new Dictionary<(string, string), SampleRing<double?>>();
            foreach (var service in report.Services)
            {
                var series = services.GetValueOrDefault(service.Name) ?? new ServiceSeries(Capacity);
                series.Add(service, report.GeneratedAt);
                nextServices[service.Name] = series;
                foreach (var member in service.Members)
                {
                    var key = (service.Name, member.Name);
                    var ring = checks.GetValueOrDefault(key) ?? new SampleRing<double?>(Capacity);
                    ring.Add(member.Check?.DurationMs);
                    nextChecks[key] = ring;
                }
            }
            services = nextServices;
            checks = nextChecks;
        }
    }

    /// <summary>The document with the history of each of its services and members attached.</summary>
    public StatusReport Attach(StatusReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        lock (gate)
        {
            return report with
            {
                HistoryIntervalSeconds = Interval.TotalSeconds,
                Services = [.. report.Services.Select(s => s with
                {
                    History = services.GetValueOrDefault(s.Name)?.ToHistory(),
                    Members = [.. s.Members.Select(m => m with { CheckHistoryMs = checks.GetValueOrDefault((s.Name, m.Name))?.ToArray() })],
                })],
            };
        }
    }

    private sealed class ServiceSeries(int capacity)
    {
        private readonly SampleRing<int> clients = new(capacity);
        private readonly SampleRing<int> servers = new(capacity);
        private readonly SampleRing<int> waiting = new(capacity);
        private readonly SampleRing<double?> rate = new(capacity);
        private long? lastTransactions;
        private DateTimeOffset lastTime;

        public void Add(StatusService service, DateTimeOffset time)
        {
            clients.Add(service.Clients);
            servers.Add(service.Servers);
            waiting.Add(service.ClientsWaiting);
            var seconds = (time - lastTime).TotalSeconds;
            // A pooler restarted by a reload counts from zero again: no negative rate.
            rate.Add(service.Transactions is { } now && lastTransactions is { } before && seconds > 0
                ? Math.Max(0, now - before) / seconds
                : null);
            lastTransactions = service.Transactions;
            lastTime = time;
        }

        public StatusServiceHistory ToHistory() => new(clients.ToArray(), servers.ToArray(), waiting.ToArray(), rate.ToArray());
    }
}
