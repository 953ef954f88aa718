using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Pgway.Admin;

/// <summary>
/// Answers the admin endpoint's requests: the pages and documents by GET, behind basic auth where the
/// inventory asks for it, and the actions by POST, behind the checks of <see cref="ActAsync"/>.
/// </summary>
internal sealed class AdminResponder
{
    private const string Realm = "pgway";

    private readonly AdminSources sources;
    private readonly CachedBody status;
    private readonly CachedBody metrics;

    public AdminResponder(AdminSources sources, AdminToken token, TimeSpan cacheAge, TimeProvider time)
    {
        this.sources = sources;
        Token = token;
        status = new CachedBody(() => JsonSerializer.SerializeToUtf8Bytes(sources.Status(), StatusJsonContext.Default.StatusReport), cacheAge, time);
        metrics = new CachedBody(() => Encoding.UTF8.GetBytes(sources.Metrics()), cacheAge, time);
    }

    public AdminToken Token { get; }

    public async Task AnswerAsync(HttpContext context, AdminListen? listen)
    {
        var request = context.Request;
        var response = context.Response;
        if (listen is null)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        var path = request.Path.Value;
        if (AdminActions.Handles(path))
        {
            await ActAsync(context, listen);
            return;
        }
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }
        // Pages only: an action answers at its own path, never behind Pigsty's nginx.
        path = PigstyStatsUri.Local(path);
        if (path == "/healthz")
        {
            await WriteAsync(context, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes("ok\n"));
            return;
        }
        if (path is not ("/" or "/stats" or AdminEndpoint.StatusPath or "/metrics"))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        if (listen.Credentials is { } credentials && !credentials.Accepts(request.Headers.Authorization))
        {
            AskForCredentials(response);
            return;
        }
        // Live data: neither the browser nor a proxy may answer from a cache.
        response.Headers.CacheControl = "no-store";
        switch (path)
        {
            case "/metrics":
                await WriteAsync(context, PrometheusWriter.ContentType, await metrics.GetAsync());
                return;
            case AdminEndpoint.StatusPath:
                await WriteAsync(context, "application/json; charset=utf-8", await status.GetAsync());
                return;
            default:
                await WriteAsync(context, StatsPage.ContentType, StatsPage.Html);
                return;
        }
    }

    // An action changes the cluster, so it must come from an operator, never from a web page a browser on
    // the node was led to: POST only; no Origin but the endpoint's own (a page elsewhere names itself there);
    // the X-Pgway-Action header, which a page can only send after a CORS preflight this endpoint never grants;
    // and the admin credentials, or where there are none the token only pgway's user can read.
    private async Task ActAsync(HttpContext context, AdminListen listen)
    {
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "POST";
            return;
        }
        if (request.Headers.Origin is { Count: > 0 } origin && !IsOwnOrigin(origin.ToString(), context.Connection))
        {
            await AdminActions.TextAsync(context, StatusCodes.Status403Forbidden, $"actions are refused to requests from another origin ({origin})");
            return;
        }
        if (request.Headers[AdminEndpoint.ActionHeader] is not { Count: > 0 } marker || string.IsNullOrWhiteSpace(marker.ToString()))
        {
            await AdminActions.TextAsync(context, StatusCodes.Status403Forbidden,
                $"actions need the header {AdminEndpoint.ActionHeader}: 1 (pgway switchover and pgway unfence send it)");
            return;
        }
        if (listen.Credentials is { } credentials)
        {
            if (!credentials.Accepts(request.Headers.Authorization))
            {
                AskForCredentials(response);
                return;
            }
        }
        else if (!Token.Accepts(request.Headers.Authorization))
        {
            response.Headers.WWWAuthenticate = $"{AdminToken.Scheme} realm=\"{Realm}\"";
            await AdminActions.TextAsync(context, StatusCodes.Status401Unauthorized,
                "actions need the token pgway wrote at start into its runtime directory (pgway switchover and pgway unfence read it), or admin credentials in the inventory (haproxy_admin_username / haproxy_admin_password)");
            return;
        }
        response.Headers.CacheControl = "no-store";
        await AdminActions.AnswerAsync(context, sources);
    }

    // The endpoint's own origin is the address and port the request came in on: a browser on the stats
    // page by that address names it; any other page, a DNS name rebound to this host, or "null" do not.
    private static bool IsOwnOrigin(string origin, ConnectionInfo connection)
    {
        if (connection.LocalIpAddress is not { } address)
        {
            return false;
        }
        var local = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        var host = local.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{local}]" : local.ToString();
        return string.Equals(origin, $"http://{host}:{connection.LocalPort}", StringComparison.OrdinalIgnoreCase);
    }

    private static void AskForCredentials(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status401Unauthorized;
        response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\", charset=\"UTF-8\"";
    }

    private static async Task WriteAsync(HttpContext context, string contentType, ReadOnlyMemory<byte> body)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }
}
