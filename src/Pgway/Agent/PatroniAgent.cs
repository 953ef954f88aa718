using System.Buffers;
using System.Reflection;

namespace Pgway.Agent;

/// <summary>
/// Answers Patroni's health questions for one PostgreSQL instance. Transport-free: the HTTP server
/// hands it the method, path and query; tests can ask it directly.
/// </summary>
public sealed class PatroniAgent : IAsyncDisposable
{
    private static readonly string Version =
        typeof(PatroniAgent).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    private readonly InstanceStatusReader reader;
    private readonly PatroniStatusBody.Identity identity;

    public PatroniAgent(AgentOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        reader = new InstanceStatusReader(options.Instance, time);
        Status = new InstanceStatusCache(reader.ReadAsync, options.CacheMaxAge, time);
        identity = new PatroniStatusBody.Identity(options.Scope, options.Name, $"pgway {Version}");
    }

    public AgentOptions Options { get; }

    /// <summary>The instance's status, shared by every question within the cache interval.</summary>
    public InstanceStatusCache Status { get; }

    /// <summary>Answers one request as Patroni's REST API would.</summary>
    public async Task<AgentResponse> AnswerAsync(string method, string path, string? query, CancellationToken cancellationToken)
    {
        var isGet = method == "GET";
        if (!isGet && method is not ("HEAD" or "OPTIONS"))
        {
            return new AgentResponse(501, ReadOnlyMemory<byte>.Empty);
        }
        var endpoint = PatroniHealthRules.Route(method, path);
        if (endpoint == HealthEndpoint.Liveness)
        {
            // Answering at all is the agent's liveness; it has no loop that could be stuck.
            return new AgentResponse(200, ReadOnlyMemory<byte>.Empty);
        }
        var status = await Status.GetAsync(cancellationToken);
        var passed = PatroniHealthRules.Decide(endpoint, HealthQuery.Parse(query), status, Options.Tags);
        var code = passed ? 200 : 503;
        if (!isGet || endpoint == HealthEndpoint.Readiness)
        {
            return new AgentResponse(code, ReadOnlyMemory<byte>.Empty);
        }
        var body = new ArrayBufferWriter<byte>(1024);
        PatroniStatusBody.Write(body, status, Options.Tags, identity);
        return new AgentResponse(code, body.WrittenMemory);
    }

    public ValueTask DisposeAsync() => reader.DisposeAsync();
}
