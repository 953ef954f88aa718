using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
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
    // Patroni alone may take a minute; the wait for transactions comes on top.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(30);

    public static Command Create(CliContext context)
    {
        var cluster = new Option<string>("--cluster") { Description = "The cluster to switch over (pg_cluster)", Required = true };
        var to = new Option<string?>("--to") { Description = "The replica to promote, by instance name (e.g. pg-test-2); default: Patroni's choice, or the healthy replica that replayed the most" };
        var waitTimeout = new Option<double>("--wait-timeout") { Description = "Seconds to wait for transactions under way on the pooled primary services; past it nothing is switched", DefaultValueFactory = _ => SwitchoverOptions.DefaultWaitTimeout.TotalSeconds };
        var switchTimeout = new Option<double>("--switch-timeout") { Description = "Seconds Patroni's switchover (or the catch-up and promotion without Patroni) may take", DefaultValueFactory = _ => SwitchoverOptions.DefaultSwitchTimeout.TotalSeconds };
        var url = new Option<string?>("--url") { Description = "The admin endpoint of the pgway to ask, e.g. http://127.0.0.11:9101 (default: --node's haproxy_exporter_port in the inventory)" };
        var config = new Option<FileInfo?>("--config", "-c") { Description = "The Pigsty-style inventory YAML, to find --node's admin endpoint and credentials" };
        var node = new Option<string?>("--node") { Description = "The node whose pgway to ask (with -c)" };
        var user = new Option<string?>("--user") { Description = $"Basic auth user name (default: ${StatusCommand.UserVariable}, then the inventory's haproxy_admin_username)" };
        var password = new Option<string?>("--password") { Description = $"Basic auth password (default: ${StatusCommand.PasswordVariable}, then the inventory's haproxy_admin_password)" };
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
            cluster, to, waitTimeout, switchTimeout, url, config, node, user, password, json,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var target = StatusCommand.Resolve(context, parse.GetValue(url), parse.GetValue(config), parse.GetValue(node),
                parse.GetValue(user) ?? Environment.GetEnvironmentVariable(StatusCommand.UserVariable),
                parse.GetValue(password) ?? Environment.GetEnvironmentVariable(StatusCommand.PasswordVariable), out var exitCode);
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
        var url = new UriBuilder(target.Url) { Path = "/switchover", Query = query.ToString() }.Uri;
        using var http = new HttpClient { Timeout = wait + limit + Slack };
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        if (target.Credentials is { } credentials)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));
        }
        HttpStatusCode status;
        string body;
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException e)
        {
            context.Error.WriteLine($"cannot reach the admin endpoint at {url.GetLeftPart(UriPartial.Authority)}: {e.Message}");
            return 1;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            context.Error.WriteLine($"the admin endpoint at {url.GetLeftPart(UriPartial.Authority)} did not answer within {http.Timeout.TotalSeconds:0} s; see `pgway status` and pgway's log");
            return 1;
        }
        if (status is not (HttpStatusCode.OK or HttpStatusCode.Conflict))
        {
            context.Error.WriteLine(status switch
            {
                HttpStatusCode.Unauthorized => target.Credentials is { } given
                    ? $"the admin endpoint refused the credentials of user '{given.Username}'"
                    : $"the admin endpoint asks for credentials: give --user and --password (or set {StatusCommand.UserVariable} and {StatusCommand.PasswordVariable})",
                HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed => $"{url.GetLeftPart(UriPartial.Authority)} offers no switchover (is it pgway's admin endpoint, and a pgway with switchover?)",
                _ => $"the admin endpoint answered {(int)status}: {body.Trim()}",
            });
            return status == HttpStatusCode.BadRequest ? 2 : 1;
        }
        SwitchoverResult? result;
        try
        {
            result = JsonSerializer.Deserialize(body, SwitchoverJsonContext.Default.SwitchoverResult);
        }
        catch (JsonException e)
        {
            context.Error.WriteLine($"{url.GetLeftPart(UriPartial.Authority)} did not answer a switchover result: {e.Message}");
            return 1;
        }
        if (result is null)
        {
            context.Error.WriteLine($"{url.GetLeftPart(UriPartial.Authority)} answered no switchover result");
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
