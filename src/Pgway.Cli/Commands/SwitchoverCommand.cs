using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Pgway.Switchover;
using Spectre.Console;

namespace Pgway.Cli.Commands;

/// <summary>
/// <c>pgway switchover</c>: asks a running pgway (its admin endpoint's <c>POST /switchover</c>, reached as
/// <c>pgway status</c> reaches it) to switch a cluster's primary over, and prints the steps and timings it did.
/// </summary>
internal static class SwitchoverCommand
{
    // The switchover may wait up to --wait-timeout twice (for the target to come up in pgway's checks, then for
    // the transactions under way) and --switch-timeout for the switch; this much more covers the round trip.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(30);

    public static Command Create(CliContext context)
    {
        var cluster = new Option<string>("--cluster") { Description = "The cluster to switch over (pg_cluster)", Required = true };
        var to = new Option<string?>("--to") { Description = "The replica to promote, by instance name (e.g. pg-test-2); default: Patroni's choice, or the healthy replica that replayed the most" };
        var waitTimeout = new Option<double>("--wait-timeout") { Description = "Seconds to wait for transactions under way on the pooled primary services, past which nothing is switched; also the most it waits for pgway's checks to call the target up", DefaultValueFactory = _ => SwitchoverOptions.DefaultWaitTimeout.TotalSeconds };
        var switchTimeout = new Option<double>("--switch-timeout") { Description = "Seconds Patroni's switchover (or the catch-up and promotion without Patroni) may take", DefaultValueFactory = _ => SwitchoverOptions.DefaultSwitchTimeout.TotalSeconds };
        var endpoint = new AdminEndpointOptions();
        var json = new Option<bool>("--json") { Description = "Print the result as the endpoint sends it" };
        foreach (var seconds in new[] { waitTimeout, switchTimeout })
        {
            seconds.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<double>() <= 0)
                {
                    result.AddError($"{seconds.Name} must be more than 0 seconds");
                }
            });
        }
        var command = new Command("switchover", "Switch a cluster's primary over to a replica, holding pooled clients so none fails (asks a running pgway)")
        {
            cluster, to, waitTimeout, switchTimeout, json,
        };
        endpoint.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            var target = endpoint.Resolve(context, parse, out var exitCode);
            return target is null
                ? Task.FromResult(exitCode)
                : RunAsync(context, target, parse.GetValue(cluster)!, parse.GetValue(to),
                    TimeSpan.FromSeconds(parse.GetValue(waitTimeout)), TimeSpan.FromSeconds(parse.GetValue(switchTimeout)), parse.GetValue(json), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, StatusCommand.Target target, string cluster, string? to, TimeSpan wait, TimeSpan limit, bool json, CancellationToken cancellationToken)
    {
        var query = new StringBuilder("cluster=").Append(Uri.EscapeDataString(cluster));
        if (to is not null)
        {
            query.Append("&to=").Append(Uri.EscapeDataString(to));
        }
        query.Append(CultureInfo.InvariantCulture, $"&wait_timeout={wait.TotalSeconds}&switch_timeout={limit.TotalSeconds}");
        var (answer, exitCode) = await AdminActionRequest.PostAsync(context, target, "/switchover", query.ToString(), RequestTimeout(wait, limit), cancellationToken);
        if (answer is null)
        {
            return exitCode;
        }
        var body = answer.Body;
        SwitchoverResult? result;
        try
        {
            result = JsonSerializer.Deserialize(body, SwitchoverJsonContext.Default.SwitchoverResult);
        }
        catch (JsonException e)
        {
            context.Error.WriteLine($"{answer.Endpoint} did not answer a switchover result: {e.Message}");
            return 1;
        }
        if (result is null)
        {
            context.Error.WriteLine($"{answer.Endpoint} answered no switchover result");
            return 1;
        }
        if (json)
        {
            context.Output.WriteLine(body);
        }
        else
        {
            Print(context, result);
        }
        return result.Succeeded ? 0 : 1;
    }

    // HttpClient takes no finite timeout past int.MaxValue milliseconds (24.8 days); the endpoint bounds each
    // value on its own and refuses what it cannot wait for, so a longer sum needs no client bound at all.
    internal static TimeSpan RequestTimeout(TimeSpan wait, TimeSpan limit) =>
        (wait + wait + limit + Slack) is var total && total.TotalMilliseconds < int.MaxValue ? total : Timeout.InfiniteTimeSpan;

    private static void Print(CliContext context, SwitchoverResult result)
    {
        if (result.Steps.Count > 0)
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumn("step").AddColumn(new TableColumn("at ms").RightAligned())
                .AddColumn(new TableColumn("took ms").RightAligned()).AddColumn("detail");
            foreach (var step in result.Steps)
            {
                table.AddRow(Markup.Escape(step.Name), Number(step.At), Number(step.Took), Markup.Escape(step.Detail));
            }
            context.Console.Write(table);
        }
        if (result.Succeeded)
        {
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Cluster}: {result.NewPrimary} is the primary ({result.OldPrimary} before, by {result.Method}); pooled primary services held {result.PausedMilliseconds:0} ms, {result.TotalMilliseconds:0} ms in all"));
        }
        else
        {
            context.Error.WriteLine($"switchover of {result.Cluster} failed: {result.Error}");
        }
    }

    private static string Number(double milliseconds) => milliseconds.ToString("0.0", CultureInfo.InvariantCulture);
}
