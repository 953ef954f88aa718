using Pgway.Protocol;
using static Pgway.Pooling.Admin.AdminConsole;

namespace Pgway.Pooling.Admin;

/// <summary>SHOW STATS, STATS_TOTALS, STATS_AVERAGES and TOTALS, per database, with PgBouncer 1.18's columns (numeric).</summary>
internal static class AdminShowStats
{
    private static readonly string[] Names = ["xact_count", "query_count", "bytes_received", "bytes_sent", "xact_time", "query_time", "wait_time"];

    private static readonly ColumnDescription[] StatsColumns =
    [
        ColumnDescription.Text("database"),
        .. new[] { "total_xact_count", "total_query_count", "total_received", "total_sent", "total_xact_time", "total_query_time", "total_wait_time",
            "avg_xact_count", "avg_query_count", "avg_recv", "avg_sent", "avg_xact_time", "avg_query_time", "avg_wait_time" }
            .Select(ColumnDescription.Numeric),
    ];

    private static readonly ColumnDescription[] OneKindColumns = [ColumnDescription.Text("database"), .. Names.Select(ColumnDescription.Numeric)];

    public static Task<AdminReply> Stats(AdminConsole console)
    {
        var rows = new List<string?[]>();
        foreach (var (database, totals) in console.Pooler.DatabaseTotals())
        {
            rows.Add([database, .. Values(totals), .. Values(console.Pooler.Averages.Of(database))]);
        }
        return Task.FromResult(AdminReply.Table(StatsColumns, rows));
    }

    public static Task<AdminReply> Totals(AdminConsole console)
    {
        var rows = new List<string?[]>();
        foreach (var (database, totals) in console.Pooler.DatabaseTotals())
        {
            rows.Add([database, .. Values(totals)]);
        }
        return Task.FromResult(AdminReply.Table(OneKindColumns, rows));
    }

    public static Task<AdminReply> Averages(AdminConsole console)
    {
        var rows = new List<string?[]>();
        foreach (var (database, _) in console.Pooler.DatabaseTotals())
        {
            rows.Add([database, .. Values(console.Pooler.Averages.Of(database))]);
        }
        return Task.FromResult(AdminReply.Table(OneKindColumns, rows));
    }

    /// <summary>SHOW TOTALS: the same figures for the whole pooler, one per row.</summary>
    public static Task<AdminReply> Overall(AdminConsole console)
    {
        var sum = StatsAverager.Zero;
        var average = StatsAverager.Zero;
        foreach (var (database, totals) in console.Pooler.DatabaseTotals())
        {
            sum = StatsAverager.Add(sum, totals);
            average = StatsAverager.Add(average, console.Pooler.Averages.Of(database));
        }
        string[] names = ["xact_count", "query_count", "client_bytes", "server_bytes", "xact_time", "query_time", "wait_time"];
        var rows = new List<string?[]>();
        var sums = Values(sum);
        var averages = Values(average);
        for (var i = 0; i < names.Length; i++)
        {
            rows.Add(["total_" + names[i], sums[i]]);
        }
        for (var i = 0; i < names.Length; i++)
        {
            rows.Add(["avg_" + names[i], averages[i]]);
        }
        return Task.FromResult(AdminReply.Table([ColumnDescription.Text("name"), ColumnDescription.Numeric("value")], rows));
    }

    private static string[] Values(PoolStatisticsSnapshot s) =>
    [
        Number(s.TotalTransactionCount), Number(s.TotalQueryCount), Number(s.TotalReceived), Number(s.TotalSent),
        Number(s.TotalTransactionTime), Number(s.TotalQueryTime), Number(s.TotalWaitTime),
    ];
}
