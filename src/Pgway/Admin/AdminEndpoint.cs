using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Pgway.Model;

namespace Pgway.Admin;

/// <summary>
/// The admin endpoint on each hosted node's <c>haproxy_exporter_port</c>, served by Kestrel:
/// <c>GET /</c> (or <c>/stats</c>) is the stats page, which reads <c>GET /status.json</c> every two seconds;
/// <c>GET /metrics</c> answers Prometheus' text format; all three are written at request time, behind
/// basic auth where the inventory asks for it. <c>GET /healthz</c> answers <c>ok</c> while the process runs, to anyone.
/// <c>POST /switchover</c> and <c>POST /unfence</c> act on a cluster (see <see cref="AdminActions"/>).
/// </summary>
public sealed class AdminEndpoint : IAsyncDisposable
{
    /// <summary>The path of the status document (the stats page's data, and <c>pgway status</c>'s).</summary>
    public const string StatusPath = "/status.json";

    private const string Realm = "pgway";
    private readonly WebApplication app;

    private AdminEndpoint(WebApplication app) => this.app = app;

    /// <summary>The endpoints actually bound (a port 0 becomes the port the system chose).</summary>
    public IReadOnlyList<string> Urls => [.. app.Urls];

    /// <summary>Binds every address and starts answering; fails if an address is taken.</summary>
    /// <param name="sources">What the page, the status document and the metrics show; read once per request.</param>
    public static async Task<AdminEndpoint> StartAsync(IReadOnlyList<AdminListen> listens, AdminSources sources, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listens);
        ArgumentNullException.ThrowIfNull(sources);
        if (listens.GroupBy(l => l.EndPoint).FirstOrDefault(g => g.Count() > 1) is { } clash)
        {
            throw new ArgumentException($"the admin endpoint would listen twice on {clash.Key}", nameof(listens));
        }
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (var listen in listens)
            {
                kestrel.Listen(listen.EndPoint);
            }
        });
        var app = builder.Build();
        app.Run(context => AnswerAsync(context, Find(listens, context.Connection), sources));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new AdminEndpoint(app);
    }

    // An address bound to a wildcard answers for every address of its port; an unknown one asks for
    // the strictest credentials of its port rather than none.
    private static AdminListen? Find(IReadOnlyList<AdminListen> listens, ConnectionInfo connection)
    {
        if (connection.LocalIpAddress is not { } address)
        {
            return null;
        }
        var local = new IPEndPoint(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, connection.LocalPort);
        return listens.FirstOrDefault(l => l.EndPoint.Equals(local))
            ?? listens.Where(l => l.EndPoint.Port == local.Port).OrderBy(l => l.Credentials is null).FirstOrDefault();
    }

    // Internal for the fuzz harness (bench/fuzz), which answers requests without a socket.
    internal static async Task AnswerAsync(HttpContext context, AdminListen? listen, AdminSources sources)
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
            await ActAsync(context, listen, sources);
            return;
        }
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }
        if (path == "/healthz")
        {
            await WriteAsync(context, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes("ok\n"));
            return;
        }
        if (path is not ("/" or "/stats" or StatusPath or "/metrics"))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        if (listen.Credentials is { } credentials && !credentials.Accepts(request.Headers.Authorization))
        {
            response.StatusCode = StatusCodes.Status401Unauthorized;
            response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\", charset=\"UTF-8\"";
            return;
        }
        // Live data: neither the browser nor a proxy may answer from a cache.
        response.Headers.CacheControl = "no-store";
        switch (path)
        {
            case "/metrics":
                await WriteAsync(context, PrometheusWriter.ContentType, Encoding.UTF8.GetBytes(sources.Metrics()));
                return;
            case StatusPath:
                await WriteAsync(context, "application/json; charset=utf-8", JsonSerializer.SerializeToUtf8Bytes(sources.Status(), StatusJsonContext.Default.StatusReport));
                return;
            default:
                await WriteAsync(context, StatsPage.ContentType, StatsPage.Html);
                return;
        }
    }

    // POST only; the endpoint's credentials when it has some, a loopback client when it has none.
    private static async Task ActAsync(HttpContext context, AdminListen listen, AdminSources sources)
    {
        var response = context.Response;
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "POST";
            return;
        }
        if (listen.Credentials is { } credentials && !credentials.Accepts(context.Request.Headers.Authorization))
        {
            response.StatusCode = StatusCodes.Status401Unauthorized;
            response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\", charset=\"UTF-8\"";
            return;
        }
        if (AdminActions.Refusal(listen, context) is { } refused)
        {
            await AdminActions.TextAsync(context, StatusCodes.Status403Forbidden, refused);
            return;
        }
        response.Headers.CacheControl = "no-store";
        await AdminActions.AnswerAsync(context, sources);
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

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
