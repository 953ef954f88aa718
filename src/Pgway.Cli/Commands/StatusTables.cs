using System.Globalization;
using Pgway.Admin;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pgway.Cli.Commands;

/// <summary>The stats page's tables for the terminal, from a status document: services and members, pools, latest events.</summary>
internal static class StatusTables
{
    /// <summary>How many of the latest events the terminal shows (the document keeps more).</summary>
    public const int EventsShown = 10;

    public static IRenderable Render(StatusReport report, string source, string? problem = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        var parts = new List<IRenderable>
        {
            new Markup($"[bold]pgway status[/] [grey]{Markup.Escape(source)} · {report.GeneratedAt.ToLocalTime():HH:mm:ss}[/]"),
        };
        if (problem is not null)
        {
            parts.Add(new Markup($"[red]{Markup.Escape(problem)}[/]"));
        }
        foreach (var service in report.Services)
        {
            parts.Add(Heading(service));
            parts.Add(Members(service));
        }
        if (report.Services.Count == 0)
        {
            parts.Add(new Markup("[grey]no services[/]"));
        }
        if (report.Vips.Count > 0)
        {
            parts.Add(new Markup("\n[bold]VIPs[/]"));
            parts.Add(Vips(report.Vips, report.GeneratedAt));
        }
        parts.Add(new Markup("\n[bold]pools[/]"));
        parts.Add(Pools(report.Poolers));
        parts.Add(new Markup("\n[bold]recent events[/]"));
        parts.Add(Events(report.Events));
        return new Rows(parts);
    }

    // The service's own row, above its members: what HAProxy's backend line shows. A dest: pool service's
    // pooler keeps server connections with no client, so it shows clients and servers apart, never "sessions".
    private static Markup Heading(StatusService service) => new(
        $"\n[bold]{Markup.Escape(service.Name)}[/] {(service.Up ? "[green]UP[/]" : "[red]DOWN[/]")} " +
        $"{Markup.Escape($"{service.Bind}:{service.Port} → {service.Destination}")} [grey]·[/] {Markup.Escape(service.Balance)}  " +
        (service.Pooled
            ? $"[grey]clients[/] {service.Clients}  [grey]waiting[/] {service.ClientsWaiting}  " +
              $"[grey]servers[/] {Of(service.Servers, service.MaxSessions, service.SessionLimit)}  [grey]servers total[/] {service.TotalSessions}  "
            : $"[grey]sessions[/] {Of(service.Sessions, service.MaxSessions, service.SessionLimit)}  " +
              $"[grey]queue[/] {Of(service.Queue, service.MaxQueue, service.QueueLimit)}  [grey]total[/] {service.TotalSessions}  ") +
        $"[grey]refused[/] {service.Refused}  [grey]{(service.Up ? "up" : "down")} for[/] {Age(service.SecondsInState)}");

    private static Table Members(StatusService service)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("Member", "Address", "State", "In state", "Weight", service.Pooled ? "Servers" : "Sessions", "Total", "Last check", "Took", "Age", "Detail");
        foreach (var column in new[] { 3, 4, 5, 6, 8, 9 })
        {
            table.Columns[column].RightAligned();
        }
        foreach (var member in service.Members)
        {
            var check = member.Check;
            table.AddRow(
                Markup.Escape(member.Name) + (member.Backup ? " [blue](backup)[/]" : ""),
                Markup.Escape($"{member.Address}:{member.Port}"),
                State(member),
                Age(member.SecondsInState),
                member.EffectiveWeight == member.Weight ? Number(member.Weight) : $"{member.EffectiveWeight}/{member.Weight}",
                Of(member.Sessions, member.MaxSessions, member.SessionLimit),
                Number(member.TotalSessions),
                check is null ? "[grey]-[/]" : $"[{(check.Passed ? "green" : member.RoleMismatch is null ? "red" : "grey")}]{Markup.Escape(check.Reason)}[/]",
                check is null ? "-" : Milliseconds(check.DurationMs),
                check is null ? "-" : Age(check.AgeSeconds),
                check is null ? "" : Markup.Escape(check.Detail));
        }
        return table;
    }

    /// <summary>
    /// The state as the stats page colours it; a backup that is up shows as "backup", and a healthy member whose role
    /// does not fit the service as that, in grey ("not primary"): red DOWN is kept for failures.
    /// </summary>
    public static string State(StatusMember member) => member.RoleMismatch is { } mismatch ? $"[grey]{Markup.Escape(mismatch)}[/]" : (member.Backup && member.Up ? "backup" : member.State) switch
    {
        "backup" => "[blue]BACKUP[/]",
        "up" => "[green]UP[/]",
        "down" => "[red]DOWN[/]",
        "going-down" => $"[yellow]going down {Markup.Escape(member.Status)}[/]",
        "going-up" => $"[aqua]going up {Markup.Escape(member.Status)}[/]",
        "no-check" => "[grey]no check[/]",
        var other => $"[grey]{Markup.Escape(other)}[/]",
    };

    private static IRenderable Pools(IReadOnlyList<StatusPooler> poolers)
    {
        if (poolers.Count == 0)
        {
            return new Markup("[grey]no pooler runs in this process[/]");
        }
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("Pooler", "Database", "User", "Cl. active", "Cl. waiting", "Sv. active", "Sv. idle", "Size", "Xacts", "Queries", "Avg xact", "Avg query", "Wait total", "Max wait");
        for (var column = 3; column < table.Columns.Count; column++)
        {
            table.Columns[column].RightAligned();
        }
        foreach (var pooler in poolers)
        {
            if (pooler.Pools.Count == 0)
            {
                table.AddRow(Markup.Escape(pooler.Instance), "[grey]no pools yet[/]", "", "", "", "", "", "", "", "", "", "", "", "");
            }
            foreach (var pool in pooler.Pools)
            {
                table.AddRow(
                    Markup.Escape(pooler.Instance),
                    Markup.Escape(pool.Database) + (pool.Paused ? " [yellow](paused)[/]" : ""),
                    Markup.Escape(pool.User),
                    Number(pool.ClientsActive),
                    pool.ClientsWaiting > 0 ? $"[red]{pool.ClientsWaiting}[/]" : "0",
                    Number(pool.ServersActive),
                    Number(pool.ServersIdle),
                    Number(pool.PoolSize),
                    Number(pool.Transactions),
                    Number(pool.Queries),
                    Milliseconds(pool.AvgTransactionMs),
                    Milliseconds(pool.AvgQueryMs),
                    Milliseconds(pool.TotalWaitMs),
                    pool.MaxWaitSeconds > 0 ? Age(pool.MaxWaitSeconds) : "-");
            }
        }
        return table;
    }

    // Whether this node holds each VIP, why, and its last move here: the first thing to look at after a failover.
    private static Table Vips(IReadOnlyList<Pgway.Vip.VipStatus> vips, DateTimeOffset now)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Cluster", "VIP", "Interface", "Here", "Why", "Last move");
        foreach (var vip in vips)
        {
            var here = vip.Error is not null ? $"[red]{(vip.Held ? "held" : "no")} · {Markup.Escape(vip.Error)}[/]" : vip.Held ? "[green]held[/]" : "no";
            var moved = vip.LastMove is { } at ? $"{Age((now - at).TotalSeconds)} ago · {Markup.Escape(vip.LastMoveReason ?? "")}" : "[grey]never[/]";
            table.AddRow(Markup.Escape(vip.Cluster), Markup.Escape(vip.Address), Markup.Escape(vip.Interface ?? "auto"), here, Markup.Escape(vip.Reason), moved);
        }
        return table;
    }

    private static IRenderable Events(IReadOnlyList<StatusEvent> events)
    {
        if (events.Count == 0)
        {
            return new Markup("[grey]no state changes since pgway started[/]");
        }
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("Time", "To", "Event");
        foreach (var change in events.Reverse().Take(EventsShown))
        {
            var to = change.To switch
            {
                "up" => "[green]UP[/]",
                "down" => "[red]DOWN[/]",
                "going-down" => "[yellow]going down[/]",
                "going-up" => "[aqua]going up[/]",
                var other => Markup.Escape(other),
            };
            table.AddRow(change.Time.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture), to, Markup.Escape(change.Message));
        }
        return table;
    }

    private static string Of(long current, long max, long limit) =>
        $"{current}[grey]/{max}/{(limit == 0 ? "∞" : Number(limit))}[/]";

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Milliseconds(double value) => value switch
    {
        < 10 => value.ToString("0.0", CultureInfo.InvariantCulture) + " ms",
        < 10_000 => value.ToString("0", CultureInfo.InvariantCulture) + " ms",
        _ => (value / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " s",
    };

    public static string Age(double seconds)
    {
        var s = (long)Math.Max(0, Math.Floor(seconds));
        return s switch
        {
            < 60 => $"{s}s",
            < 3600 => $"{s / 60}m {s % 60}s",
            < 86400 => $"{s / 3600}h {s / 60 % 60}m",
            _ => $"{s / 86400}d {s / 3600 % 24}h",
        };
    }
}
