using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Pgway.Admin;

/// <summary>
/// The admin endpoint on each hosted node's <c>haproxy_exporter_port</c>, served by Kestrel:
/// <c>GET /</c> (or <c>/stats</c>) is the stats page, which reads <c>GET /status.json</c> every two seconds;
/// <c>GET /metrics</c> answers Prometheus' text format; all three are written at request time, behind
/// basic auth where the inventory asks for it. <c>GET /healthz</c> answers <c>ok</c> while the process runs, to anyone.
/// <c>POST /switchover</c> and <c>POST /unfence</c> act on a cluster (see <see cref="AdminActions"/>), for a request
/// that carries <see cref="ActionHeader"/>, comes from no other origin, and holds the credentials or, where there
/// are none, the endpoint's <see cref="Token"/>. Connections and request sizes are bounded
/// (<see cref="AdminEndpointSettings.Limits"/>), and <c>/status.json</c> and <c>/metrics</c> are built at most once per
/// <see cref="AdminEndpointSettings.CacheAge"/>, so no flood of monitoring requests reaches the health checks.
/// </summary>
internal sealed class AdminEndpoint : IAsyncDisposable
{
    /// <summary>The path of the status document (the stats page's data, and <c>pgway status</c>'s).</summary>
    public const string StatusPath = "/status.json";

    /// <summary>The header an action must carry: a web page cannot send it without a CORS preflight, which this endpoint never grants.</summary>
    public const string ActionHeader = "X-Pgway-Action";

    private readonly WebApplication app;

    private AdminEndpoint(WebApplication app, AdminToken token)
    {
        this.app = app;
        Token = token;
    }

    /// <summary>What actions take (<c>Authorization: Bearer TOKEN</c>) on an address the inventory gives no admin credentials.</summary>
    public AdminToken Token { get; }

    /// <summary>The endpoints actually bound (a port 0 becomes the port the system chose).</summary>
    public IReadOnlyList<string> Urls => [.. app.Urls];

    /// <summary>Binds every address and starts answering; fails if an address is taken.</summary>
    /// <param name="sources">What the page, the status document and the metrics show; read once per request.</param>
    public static Task<AdminEndpoint> StartAsync(IReadOnlyList<AdminListen> listens, AdminSources sources, CancellationToken cancellationToken) =>
        StartAsync(listens, sources, AdminEndpointSettings.Default, cancellationToken);

    /// <summary>Binds every address and starts answering, within the given limits; fails if an address is taken.</summary>
    public static async Task<AdminEndpoint> StartAsync(IReadOnlyList<AdminListen> listens, AdminSources sources, AdminEndpointSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(listens);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(settings);
        if (listens.GroupBy(l => l.EndPoint).FirstOrDefault(g => g.Count() > 1) is { } clash)
        {
            throw new ArgumentException($"the admin endpoint would listen twice on {clash.Key}", nameof(listens));
        }
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            settings.Limits.ApplyTo(kestrel);
            foreach (var listen in listens)
            {
                kestrel.Listen(listen.EndPoint);
            }
        });
        var app = builder.Build();
        var responder = new AdminResponder(sources, settings.Token ?? AdminToken.Generate(), settings.CacheAge, settings.Time);
        app.Run(context => responder.AnswerAsync(context, Find(listens, context.Connection)));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new AdminEndpoint(app, responder.Token);
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

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
