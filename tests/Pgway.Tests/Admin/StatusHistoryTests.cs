using Pgway.Admin;

namespace Pgway.Tests.Admin;

public sealed class StatusHistoryTests
{
    private static readonly DateTimeOffset Now = StatusSamples.Now;

    private static StatusReport Report(int seconds, params StatusService[] services) => new(Now.AddSeconds(seconds), services, [], []);

    private static StatusService Pooled(int clients, int servers, int waiting, long transactions, double? checkMs = 2) =>
        StatusSamples.Report().Services[0] with
        {
            Name = "pg-test-primary",
            Pooled = true,
            Clients = clients,
            Servers = servers,
            ClientsWaiting = waiting,
            Transactions = transactions,
            Members = [StatusSamples.Report().Services[0].Members[0] with
            {
                Check = checkMs is { } ms ? StatusSamples.Report().Services[0].Members[0].Check! with { DurationMs = ms } : null,
            }],
        };

    [Fact]
    public void Attach_Samples_SeriesOldestFirstWithTransactionsPerSecond()
    {
        var history = new StatusHistory(TimeSpan.FromSeconds(2), capacity: 10);
        history.Record(Report(0, Pooled(0, 4, 0, 100)));
        history.Record(Report(2, Pooled(3, 4, 1, 120, checkMs: null)));
        history.Record(Report(4, Pooled(1, 5, 0, 130, checkMs: 7.5)));

        var attached = history.Attach(Report(5, Pooled(1, 5, 0, 131)));

        Assert.Equal(2, attached.HistoryIntervalSeconds);
        var service = attached.Services.Single();
        Assert.Equal(new StatusServiceHistory([0, 3, 1], [4, 4, 5], [0, 1, 0], [null, 10, 5]), service.History, HistoryComparer.Instance);
        Assert.Equal([2, null, 7.5], service.Members.Single().CheckHistoryMs!);
    }

    [Fact]
    public void Record_MoreThanCapacity_KeepsTheNewestOnly()
    {
        var history = new StatusHistory(TimeSpan.FromSeconds(2), capacity: 3);
        for (var i = 0; i < 7; i++)
        {
            history.Record(Report(2 * i, Pooled(i, 0, 0, 0)));
        }

        var service = history.Attach(Report(20, Pooled(0, 0, 0, 0))).Services.Single();

        Assert.Equal([4, 5, 6], service.History!.Clients);
        Assert.Equal(3, service.Members.Single().CheckHistoryMs!.Count);
    }

    [Fact]
    public void Record_ServiceGoneAfterAReload_Forgotten()
    {
        var history = new StatusHistory(TimeSpan.FromSeconds(2), capacity: 3);
        history.Record(Report(0, Pooled(1, 1, 0, 0)));
        history.Record(Report(2));

        var service = history.Attach(Report(4, Pooled(2, 2, 0, 0))).Services.Single();

        Assert.Null(service.History);
        Assert.Null(service.Members.Single().CheckHistoryMs);
    }

    [Fact]
    public void Record_SplicedService_NoTransactionRate()
    {
        var history = new StatusHistory(TimeSpan.FromSeconds(2), capacity: 3);
        var spliced = StatusSamples.Report().Services[0];
        history.Record(Report(0, spliced));
        history.Record(Report(2, spliced));

        Assert.Equal([null, null], history.Attach(Report(3, spliced)).Services.Single().History!.TransactionsPerSecond);
    }

    [Fact]
    public void Record_PoolerCountsFromZeroAgain_NoNegativeRate()
    {
        var history = new StatusHistory(TimeSpan.FromSeconds(2), capacity: 3);
        history.Record(Report(0, Pooled(0, 0, 0, 500)));
        history.Record(Report(2, Pooled(0, 0, 0, 4)));

        Assert.Equal([null, 0], history.Attach(Report(3, Pooled(0, 0, 0, 4))).Services.Single().History!.TransactionsPerSecond);
    }

    private sealed class HistoryComparer : IEqualityComparer<StatusServiceHistory?>
    {
        public static readonly HistoryComparer Instance = new();

        public bool Equals(StatusServiceHistory? x, StatusServiceHistory? y) =>
            x is not null && y is not null && x.Clients.SequenceEqual(y.Clients) && x.Servers.SequenceEqual(y.Servers)
            && x.Waiting.SequenceEqual(y.Waiting) && x.TransactionsPerSecond.SequenceEqual(y.TransactionsPerSecond);

        public int GetHashCode(StatusServiceHistory? obj) => 0;
    }
}
