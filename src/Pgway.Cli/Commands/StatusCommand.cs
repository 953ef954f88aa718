using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pgway.Admin;
using Pgway.Model;
using Spectre.Console;

namespace Pgway.Cli.Commands;

/// <summary>
/// <c>pgway status</c>: the stats page's tables in the terminal, read from a running pgway's admin
/// endpoint (<c>/status.json</c>); <c>--watch</c> redraws them until Ctrl-C.
/// </summary>
internal static class StatusCommand
{
    public const string UserVariable = "PGWAY_ADMIN_USER";
    public const string PasswordVariable = "PGWAY_ADMIN_PASSWORD";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    public static Command Create(CliContext context)
    {
        var endpoint = new AdminEndpointOptions();
        var watch = new Option<bool>("--watch", "-w") { Description = "Redraw the tables every --interval seconds until Ctrl-C" };
        var interval = new Option<int>("--interval") { Description = "Seconds between redraws with --watch", DefaultValueFactory = _ => 2 };
        interval.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--interval must be at least 1 second");
            }
        });
        var json = new Option<bool>("--json") { Description = "Print the status document as the endpoint sends it" };
        var command = new Command("status", "Show a running pgway's services, members, pools and latest events, from its admin endpoint")
        {
            watch, interval, json,
        };
        endpoint.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            var target = endpoint.Resolve(context, parse, out var exitCode);
            return target is null
                ? Task.FromResult(exitCode)
                : RunAsync(context, target, parse.GetValue(watch), TimeSpan.FromSeconds(parse.GetValue(interval)), parse.GetValue(json), cancellationToken);
        });
        return command;
    }

    /// <summary>Where the document is and the credentials to send: from --url, or from the inventory's entry for --node.</summary>
    internal sealed record Target(Uri Url, AdminCredentials? Credentials)
    {
        /// <summary>Where serve wrote the endpoint's admin token, read by an action without credentials.</summary>
        public string? RuntimeDirectory { get; init; }
    }

    // Null with the exit code when the arguments say no endpoint (2) or the inventory has errors (1, as every command).
    internal static Target? Resolve(CliContext context, string? url, FileInfo? config, string? node, string? user, string? password, out int exitCode)
    {
        exitCode = 2;
        if (user is null != password is null)
        {
            context.Error.WriteLine($"give both a user and a password (--user and --password, or {UserVariable} and {PasswordVariable}), or neither");
            return null;
        }
        var credentials = user is null ? null : new AdminCredentials(user, password!);
        if (url is not null)
        {
            if (StatusUrl(url) is not { } parsed)
            {
                context.Error.WriteLine($"--url: '{url}' is not an http URL like http://127.0.0.11:9101");
                return null;
            }
            return new Target(parsed, credentials);
        }
        if (config is null || node is null)
        {
            context.Error.WriteLine("say which admin endpoint to read: --url http://ADDRESS:9101, or -c INVENTORY --node ADDRESS");
            return null;
        }
        if (InventoryInput.Load(context, config, showWarnings: false) is not { } topology)
        {
            exitCode = 1;
            return null;
        }
        var instance = topology.Clusters.SelectMany(c => c.Instances).FirstOrDefault(i => i.Address == node);
        // A pg_service_provider node runs services, and their stats page, without an instance.
        var (port, auth) = instance is not null ? (instance.HaproxyExporterPort, instance.AdminAuth)
            : topology.FindServiceNode(node) is { } provider ? (provider.AdminPort, provider.AdminAuth)
            : (0, null);
        if (port == 0)
        {
            context.Error.WriteLine($"no instance on node '{node}' in {topology.SourceFile}, and no cluster's pg_service_provider group lists it");
            return null;
        }
        var host = IPAddress.TryParse(node, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{node}]" : node;
        return new Target(StatusUrl($"http://{host}:{port}")!, credentials ?? auth);
    }

    /// <summary>The document's URL from what the user typed: a scheme added if missing, <c>/status.json</c> appended unless there.</summary>
    internal static Uri? StatusUrl(string text)
    {
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return null;
        }
        if (uri.AbsolutePath.EndsWith(AdminEndpoint.StatusPath, StringComparison.Ordinal))
        {
            return uri;
        }
        var builder = new UriBuilder(uri) { Path = uri.AbsolutePath.TrimEnd('/') + AdminEndpoint.StatusPath };
        return builder.Uri;
    }

    private static async Task<int> RunAsync(CliContext context, Target target, bool watch, TimeSpan interval, bool json, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = RequestTimeout };
        Fetch first;
        try
        {
            first = await FetchAsync(http, target, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        if (first.Error is not null)
        {
            context.Error.WriteLine(first.Error);
            return 1;
        }
        if (json)
        {
            context.Output.WriteLine(first.Json);
            return 0;
        }
        var source = target.Url.GetLeftPart(UriPartial.Authority);
        if (!watch)
        {
            context.Console.Write(StatusTables.Render(first.Report!, source));
            return 0;
        }
        var last = first.Report!;
        try
        {
            await context.Console.Live(StatusTables.Render(last, source)).StartAsync(async live =>
            {
                while (true)
                {
                    await Task.Delay(interval, cancellationToken);
                    // A pgway restarting is worth watching through: show the last tables and the problem, and keep asking.
                    var next = await FetchAsync(http, target, cancellationToken);
                    last = next.Report ?? last;
                    live.UpdateTarget(StatusTables.Render(last, source, next.Error));
                    live.Refresh();
                }
            });
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: leave the last tables on the screen.
        }
        return 0;
    }

    /// <summary>One reading of the document, or what went wrong in words that name the URL.</summary>
    internal sealed record Fetch(StatusReport? Report, string? Json, string? Error);

    internal static async Task<Fetch> FetchAsync(HttpClient http, Target target, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, target.Url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (target.Credentials is { } credentials)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));
        }
        string body;
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                return Failed(target.Credentials is { } given
                    ? $"the admin endpoint at {target.Url} refused the credentials of user '{given.Username}'"
                    : $"the admin endpoint at {target.Url} asks for credentials: give --user and --password (or set {UserVariable} and {PasswordVariable})");
            }
            if (!response.IsSuccessStatusCode)
            {
                return Failed($"the admin endpoint at {target.Url} answered {(int)response.StatusCode} {response.ReasonPhrase}" +
                    (response.StatusCode == HttpStatusCode.NotFound ? " (is it pgway's admin endpoint, haproxy_exporter_port?)" : ""));
            }
            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException e)
        {
            return Failed($"cannot reach the admin endpoint at {target.Url}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed($"the admin endpoint at {target.Url} did not answer within {RequestTimeout.TotalSeconds:0} s");
        }
        try
        {
            var report = JsonSerializer.Deserialize(body, StatusJsonContext.Default.StatusReport);
            return report is null ? Failed($"{target.Url} answered no status document") : new Fetch(report, body, null);
        }
        catch (JsonException e)
        {
            return Failed($"{target.Url} did not answer a pgway status document: {e.Message}");
        }
    }

    private static Fetch Failed(string error) => new(null, null, error);
}
