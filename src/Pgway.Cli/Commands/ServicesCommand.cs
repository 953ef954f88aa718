using System.CommandLine;
using Pgway.Model;
using Spectre.Console;

namespace Pgway.Cli.Commands;

/// <summary><c>pgway services</c>: every service with its members and backups.</summary>
internal static class ServicesCommand
{
    public static Command Create(CliContext context)
    {
        var config = CommonOptions.Config();
        var cluster = CommonOptions.Cluster();
        var json = CommonOptions.Json();
        var command = new Command("services", "List every service: full name, bind, port, destination, check, members, backups")
        {
            config, cluster, json,
        };
        command.SetAction(parse => Run(context, parse.GetValue(config)!, parse.GetValue(cluster), parse.GetValue(json)));
        return command;
    }

    private static int Run(CliContext context, FileInfo file, string? clusterName, bool json)
    {
        if (InventoryInput.Load(context, file, showWarnings: !json) is not { } topology ||
            InventoryInput.Select(context, topology, clusterName) is not { } clusters)
        {
            return 1;
        }
        var services = clusters.SelectMany(c => c.Services).ToList();
        if (json)
        {
            JsonOutput.Write(context, services.Select(Describe));
            return 0;
        }
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("Service", "Bind", "Port", "Destination", "Check", "Balance", "Members", "Backups");
        foreach (var service in services)
        {
            table.AddRow(
                Markup.Escape(service.FullName),
                Markup.Escape(service.Bind),
                service.Port.ToString(),
                Markup.Escape(service.Destination.ToString()),
                Markup.Escape(CheckText(service.Check)),
                service.Balance.Name(),
                Markup.Escape(Names(service.ActiveMembers)),
                Markup.Escape(Names(service.BackupMembers)));
        }
        if (NarrowLayout.Fits(context.Console, table))
        {
            context.Console.Write(table);
        }
        else
        {
            WriteList(context, services);
        }
        return 0;
    }

    // Narrower than the table: one block per service, its values wrapped between words, never inside a name.
    private static void WriteList(CliContext context, IReadOnlyList<Service> services)
    {
        foreach (var service in services)
        {
            context.Console.MarkupLine(
                $"[bold]{Markup.Escape(service.FullName)}[/]  {Markup.Escape($"{service.Bind}:{service.Port}")} → {Markup.Escape(service.Destination.ToString())} · {service.Balance.Name()}");
            var grid = new Grid().AddColumn(new GridColumn().NoWrap().Padding(2, 0, 2, 0)).AddColumn(new GridColumn().Padding(0, 0, 0, 0));
            grid.AddRow("[grey]check[/]", Markup.Escape(CheckText(service.Check)));
            grid.AddRow("[grey]members[/]", Markup.Escape(Names(service.ActiveMembers)));
            grid.AddRow("[grey]backups[/]", Markup.Escape(Names(service.BackupMembers)));
            context.Console.Write(grid);
            context.Console.WriteLine();
        }
    }

    private static string CheckText(HealthCheck check) =>
        check.Kind == HealthCheckKind.None ? "none" : $"{check.Path} :{check.Port} ({check.ExpectedStatus})";

    private static string Names(IEnumerable<ServiceMember> members)
    {
        var text = string.Join(", ", members.Select(m => m.Name));
        return text.Length == 0 ? "-" : text;
    }

    private static object Describe(Service service) => new
    {
        cluster = service.Cluster,
        name = service.Name,
        fullName = service.FullName,
        bind = service.Bind,
        port = service.Port,
        destination = service.Destination.ToString(),
        check = service.Check.Kind == HealthCheckKind.None ? null : new
        {
            method = service.Check.Method,
            path = service.Check.Path,
            port = service.Check.Port!.ToString(),
            expectedStatus = service.Check.ExpectedStatus,
        },
        selector = service.Selector,
        backupSelector = service.BackupSelector,
        balance = service.Balance.Name(),
        maxconn = service.MaxConn,
        options = service.Options.Text,
        schema = service.Schema.ToString().ToLowerInvariant(),
        members = service.Members.Select(m => new
        {
            name = m.Name,
            address = m.Instance.Address,
            port = m.Port,
            checkPort = m.CheckPort,
            weight = m.Weight,
            backup = m.IsBackup,
        }),
    };
}
