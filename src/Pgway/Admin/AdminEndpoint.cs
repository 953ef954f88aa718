using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Pgway.Model;

namespace Pgway.Admin;

/// <summary>
/// The admin endpoint on each hosted node's <c>haproxy_exporter_port</c>, served by Kestrel:
/// <c>GET /healthz</c> answers <c>ok</c> while the process runs; <c>GET /metrics</c> answers Prometheus'
/// text format, written at scrape time, behind basic auth where the inventory asks for it.
/// </summary>
public sealed class AdminEndpoint : IAsyncDisposable
{
    private const string Realm = "pgway";
    private readonly WebApplication app;

    private AdminEndpoint(WebApplication app) => this.app = app;

    /// <summary>The endpoints actually bound (a port 0 becomes the port the system chose).</summary>
    public IReadOnlyList<string> Urls => [.. app.Urls];

    /// <summary>Binds every address and starts answering; fails if an address is taken.</summary>
    /// <param name="metrics">Writes the exposition text; called once per scrape.</param>
    public static async Task<AdminEndpoint> StartAsync(IReadOnlyList<AdminListen> listens, Func<string> metrics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listens);
        ArgumentNullException.ThrowIfNull(metrics);
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
        app.Run(context => AnswerAsync(context, Find(listens, context.Connection), metrics));
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

    private static async Task AnswerAsync(HttpContext context, AdminListen? listen, Func<string> metrics)
    {
        var request = context.Request;
        var response = context.Response;
        if (listen is null)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }
        switch (request.Path.Value)
        {
            case "/healthz":
                await WriteAsync(context, "text/plain; charset=utf-8", "ok\n");
                return;
            case "/metrics":
                if (listen.Credentials is { } credentials && !credentials.Accepts(request.Headers.Authorization))
                {
                    response.StatusCode = StatusCodes.Status401Unauthorized;
                    response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\", charset=\"UTF-8\"";
                    return;
                }
                await WriteAsync(context, PrometheusWriter.ContentType, metrics());
                return;
            default:
                response.StatusCode = StatusCodes.Status404NotFound;
                return;
        }
    }

    private static async Task WriteAsync(HttpContext context, string contentType, string text)
    {
        var body = Encoding.UTF8.GetBytes(text);
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
