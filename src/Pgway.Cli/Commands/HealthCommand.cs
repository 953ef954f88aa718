using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using Pgway.Health;
using Spectre.Console;

namespace Pgway.Cli.Commands;

/// <summary>
/// <c>pgway health</c>: runs the health monitor over an inventory's services and shows what it
/// decides — every member's state and last check, then every change as it happens.
/// </summary>
internal static class HealthCommand
{
    public static Command Create(CliContext context)
    {
        var config = CommonOptions.Config();
        var cluster = CommonOptions.Cluster();
        var json = CommonOptions.Json();
        var once = new Option<bool>("--once") { Description = "Check every member once, print the table and exit" };
        var command = new Command("health", "Check every service member as the services would (Patroni/agent HTTP or SQL) and show their states")
        {
            config, cluster, once, json,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(context, parse.GetValue(config)!, parse.GetValue(cluster), parse.GetValue(once), parse.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, FileInfo file, string? clusterName, bool once, bool json, CancellationToken cancellationToken)
    {
        if (InventoryInput.Load(context, file, showWarnings: !json) is not { } topology ||
            InventoryInput.Select(context, topology, clusterName) is not { } clusters)
        {
            return 1;
        }
        var time = TimeProvider.System;
        await using var monitor = new HealthMonitor(clusters.SelectMany(c => c.Services), HealthMonitorOptions.Default,
            new HealthProbeFactory(time), time, NullLogger<HealthMonitor>.Instance);
        var firstRound = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        monitor.Checked += (_, _) =>
        {
            if (monitor.Members.All(m => m.Target is null || m.Snapshot.LastResult is not null))
            {
                firstRound.TrySetResult();
            }
        };
        monitor.Start();
        if (monitor.Members.All(m => m.Target is null))
        {
            firstRound.TrySetResult();
        }
        try
        {
            await firstRound.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        if (json)
        {
            JsonOutput.Write(context, monitor.Members.Select(Describe));
        }
        else
        {
            WriteTable(context, monitor);
        }
        if (once)
        {
            return 0;
        }
        monitor.StateChanged += change => context.Output.WriteLine($"{change.Time:HH:mm:ss.fff} {change}");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: stop the monitor and leave.
        }
        return 0;
    }

    private static void WriteTable(CliContext context, HealthMonitor monitor)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns("Service", "Member", "Check", "State", "Last check", "Time");
        foreach (var member in monitor.Members)
        {
            var snapshot = member.Snapshot;
            var state = snapshot.IsUp ? $"[green]{snapshot.Status}[/]" : $"[red]{snapshot.Status}[/]";
            var name = member.Member.IsBackup ? $"{member.Member.Name} (backup)" : member.Member.Name;
            table.AddRow(
                Markup.Escape(member.Service.FullName),
                Markup.Escape(name),
                Markup.Escape(member.Target?.ToString() ?? "none"),
                state,
                Markup.Escape(snapshot.LastResult is { } r ? $"{r.Reason} {r.Detail}" : "-"),
                snapshot.LastResult is { } last ? $"{last.Duration.TotalMilliseconds:0} ms" : "-");
        }
        context.Console.Write(table);
    }

    private static object Describe(MemberHealth member)
    {
        var snapshot = member.Snapshot;
        return new
        {
            service = member.Service.FullName,
            member = member.Member.Name,
            backup = member.Member.IsBackup,
            check = member.Target?.ToString(),
            state = snapshot.State.ToString(),
            status = snapshot.Status,
            up = snapshot.IsUp,
            health = snapshot.Counter.Health,
            reason = snapshot.LastResult?.Reason,
            detail = snapshot.LastResult?.Detail,
            code = snapshot.LastResult?.Code,
            durationMs = snapshot.LastResult?.Duration.TotalMilliseconds,
        };
    }
}
