using System.CommandLine;
using Pgway.Access;
using Spectre.Console;

namespace Pgway.Cli.Commands;

/// <summary><c>pgway urls</c>: every connection string a user of a cluster can use.</summary>
internal static class UrlsCommand
{
    public static Command Create(CliContext context)
    {
        var config = CommonOptions.Config();
        var cluster = CommonOptions.Cluster();
        var json = CommonOptions.Json();
        var user = new Option<string?>("--user", "-U") { Description = "User in the URLs (default: the first of pg_users, else pg_admin_username)" };
        var database = new Option<string?>("--db", "-d") { Description = "Database in the URLs (default: the first of pg_databases, else postgres)" };
        var command = new Command("urls", "Connection strings: cluster name, VIP, instance names and IPs × every port, and multi-host URLs")
        {
            config, cluster, user, database, json,
        };
        command.SetAction(parse => Run(context, parse.GetValue(config)!, parse.GetValue(cluster), parse.GetValue(user), parse.GetValue(database), parse.GetValue(json)));
        return command;
    }

    private static int Run(CliContext context, FileInfo file, string? clusterName, string? user, string? database, bool json)
    {
        if (InventoryInput.Load(context, file, showWarnings: !json) is not { } topology ||
            InventoryInput.Select(context, topology, clusterName) is not { } clusters)
        {
            return 1;
        }
        var results = clusters.Select(c =>
        {
            var u = user ?? ConnectionUrls.DefaultUser(c);
            var d = database ?? ConnectionUrls.DefaultDatabase(c);
            return new { cluster = c.Name, user = u, database = d, users = c.Users.Append(c.AdminUser).Distinct(), urls = ConnectionUrls.For(c, u, d) };
        }).ToList();
        if (json)
        {
            JsonOutput.Write(context, results);
            return 0;
        }
        foreach (var result in results)
        {
            context.Console.Write(new Rule($"[bold]{Markup.Escape(result.cluster)}[/] as {Markup.Escape(result.user)} on {Markup.Escape(result.database)}").LeftJustified());
            var table = new Table().Border(TableBorder.Simple).AddColumns("Host form", "Target", "URL");
            foreach (var url in result.urls)
            {
                table.AddRow(url.HostKind, Markup.Escape(url.Target), Markup.Escape(url.Url));
            }
            if (NarrowLayout.Fits(context.Console, table))
            {
                context.Console.Write(table);
            }
            else
            {
                WriteList(context, result.urls);
            }
            context.Console.MarkupLine($"Users: {Markup.Escape(string.Join(", ", result.users))}  (--user to choose; passwords are never printed)");
        }
        return 0;
    }

    // Narrower than the table: a list by host form, each URL whole on its line. A URL is copied, so pgway never
    // breaks one; one longer than the terminal is written as it is, for the terminal to wrap without a gap.
    private static void WriteList(CliContext context, IReadOnlyList<ConnectionUrl> urls)
    {
        var width = context.Console.Profile.Width;
        var writer = context.Console.Profile.Out.Writer;
        foreach (var group in urls.GroupBy(u => u.HostKind))
        {
            var targetWidth = group.Max(u => u.Target.Length);
            writer.WriteLine();
            writer.WriteLine(group.Key);
            foreach (var url in group)
            {
                var line = $"  {url.Target.PadRight(targetWidth)}  {url.Url}";
                if (line.Length <= width)
                {
                    writer.WriteLine(line);
                }
                else
                {
                    writer.WriteLine($"  {url.Target}");
                    writer.WriteLine($"    {url.Url}");
                }
            }
        }
        writer.WriteLine();
    }
}
