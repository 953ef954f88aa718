using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Pgway.Http;

namespace Pgway.Agent;

/// <summary>
/// Serves one or more <see cref="PatroniAgent"/>s over HTTP with Kestrel, one listening endpoint per
/// agent (each node's address and <c>patroni_port</c>), so one process can answer for every node it hosts.
/// Its connections and requests are bounded apart from the admin endpoint's, so monitoring never takes the checks' share.
/// </summary>
internal sealed class AgentServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly IReadOnlyList<PatroniAgent> agents;

    private AgentServer(WebApplication app, IReadOnlyList<PatroniAgent> agents)
    {
        this.app = app;
        this.agents = agents;
    }

    /// <summary>Binds every agent's endpoint and starts answering, within <see cref="HttpEndpointLimits.Agent"/>; fails if an endpoint is taken.</summary>
    public static Task<AgentServer> StartAsync(IReadOnlyList<PatroniAgent> agents, CancellationToken cancellationToken) =>
        StartAsync(agents, HttpEndpointLimits.Agent, cancellationToken);

    /// <summary>Binds every agent's endpoint and starts answering, within the given limits; fails if an endpoint is taken.</summary>
    public static async Task<AgentServer> StartAsync(IReadOnlyList<PatroniAgent> agents, HttpEndpointLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agents);
        ArgumentNullException.ThrowIfNull(limits);
        if (agents.GroupBy(a => a.Options.Listen).FirstOrDefault(g => g.Count() > 1) is { } clash)
        {
            throw new ArgumentException($"{string.Join(" and ", clash.Select(a => a.Options.Name))} would both answer on {clash.Key}", nameof(agents));
        }
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            limits.ApplyTo(kestrel);
            foreach (var agent in agents)
            {
                kestrel.Listen(agent.Options.Listen);
            }
        });
        var app = builder.Build();
        var byEndpoint = agents.ToDictionary(a => a.Options.Listen);
        app.Run(context => AnswerAsync(context, Find(byEndpoint, context.Connection)));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new AgentServer(app, agents);
    }

    /// <summary>The endpoints actually bound (a port 0 in the options becomes the port the system chose).</summary>
    public IReadOnlyList<string> Urls => [.. app.Urls];

    private static PatroniAgent? Find(Dictionary<IPEndPoint, PatroniAgent> byEndpoint, ConnectionInfo connection)
    {
        if (connection.LocalIpAddress is not { } address)
        {
            return null;
        }
        var local = new IPEndPoint(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, connection.LocalPort);
        if (byEndpoint.TryGetValue(local, out var agent))
        {
            return agent;
        }
        // An agent bound to a wildcard address answers on every address of its port.
        return byEndpoint.Values.FirstOrDefault(a => a.Options.Listen.Port == local.Port
            && (a.Options.Listen.Address.Equals(IPAddress.Any) || a.Options.Listen.Address.Equals(IPAddress.IPv6Any)));
    }

    private static async Task AnswerAsync(HttpContext context, PatroniAgent? agent)
    {
        if (agent is null)
        {
            context.Response.StatusCode = 503;
            return;
        }
        var request = context.Request;
        var response = await agent.AnswerAsync(request.Method, request.Path.Value ?? "/", request.QueryString.Value, context.RequestAborted);
        context.Response.StatusCode = response.StatusCode;
        if (response.HasBody)
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = response.Body.Length;
            await context.Response.Body.WriteAsync(response.Body, context.RequestAborted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        foreach (var agent in agents)
        {
            await agent.DisposeAsync();
        }
    }
}
