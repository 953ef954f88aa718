using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Pgway.Admin;

namespace Pgway.Cli.Commands;

/// <summary>
/// A <c>POST</c> to a running pgway's admin endpoint (<c>/switchover</c>, <c>/unfence</c>): the
/// answer when the endpoint took the request (200, or 409 for an action refused or failed), or
/// null with the reason printed and the exit code to use (1, or 2 for a bad request). It carries the
/// action header, and the credentials given, or else the endpoint's token from the runtime directory.
/// </summary>
internal static class AdminActionRequest
{
    public sealed record Answer(HttpStatusCode Status, string Body, string Endpoint);

    public static async Task<(Answer? Answer, int ExitCode)> PostAsync(CliContext context, StatusCommand.Target target, string path, string query,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        var url = new UriBuilder(target.Url) { Path = path, Query = query }.Uri;
        var endpoint = url.GetLeftPart(UriPartial.Authority);
        using var http = new HttpClient { Timeout = timeout };
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Headers.Add(AdminEndpoint.ActionHeader, "1");
        string? tokenProblem = null;
        if (target.Credentials is { } credentials)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));
        }
        else
        {
            (var token, tokenProblem) = await ReadTokenAsync(url, target.RuntimeDirectory, cancellationToken);
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue(AdminToken.Scheme, token.Value);
            }
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
            context.Error.WriteLine($"cannot reach the admin endpoint at {endpoint}: {e.Message}");
            return (null, 1);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            context.Error.WriteLine($"the admin endpoint at {endpoint} did not answer within {timeout.TotalSeconds:0} s; see `pgway status` and pgway's log");
            return (null, 1);
        }
        if (status is HttpStatusCode.OK or HttpStatusCode.Conflict)
        {
            return (new Answer(status, body, endpoint), 0);
        }
        context.Error.WriteLine(status switch
        {
            HttpStatusCode.Unauthorized => target.Credentials is { } given
                ? $"the admin endpoint refused the credentials of user '{given.Username}'"
                : tokenProblem is null
                    ? $"the admin endpoint refused the token in {target.RuntimeDirectory} (is it the token of this pgway? it changes at every start): give --user and --password if the inventory sets them"
                    : $"the admin endpoint asks for credentials: give --user and --password (or set {StatusCommand.UserVariable} and {StatusCommand.PasswordVariable}), or run this as pgway's user to use its token ({tokenProblem}; see --runtime-dir)",
            HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed => $"{endpoint} offers no {path.TrimStart('/')} (is it pgway's admin endpoint, and a pgway with switchover?)",
            _ => $"the admin endpoint answered {(int)status}: {body.Trim()}",
        });
        return (null, status == HttpStatusCode.BadRequest ? 2 : 1);
    }

    // The token file of the endpoint the URL names: by its address, or each address its name resolves to.
    private static async Task<(AdminToken? Token, string? Problem)> ReadTokenAsync(Uri url, string? directory, CancellationToken cancellationToken)
    {
        if (directory is null)
        {
            return (null, "no runtime directory");
        }
        IPAddress[] addresses;
        if (IPAddress.TryParse(url.Host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await System.Net.Dns.GetHostAddressesAsync(url.Host, cancellationToken);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                return (null, $"cannot resolve {url.Host}: {e.Message}");
            }
        }
        string? problem = null;
        foreach (var address in addresses)
        {
            if (AdminTokenFile.Read(AdminTokenFile.PathFor(directory, new IPEndPoint(address, url.Port)), out var error) is { } token)
            {
                return (token, null);
            }
            problem ??= error;
        }
        return (null, problem ?? $"{url.Host} has no address");
    }
}
