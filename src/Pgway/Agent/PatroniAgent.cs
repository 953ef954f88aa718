using System.Buffers;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pgway.Agent;

/// <summary>
/// Answers Patroni's health questions for one PostgreSQL instance. Transport-free: the HTTP server
/// hands it the method, path and query; tests can ask it directly.
/// </summary>
internal sealed partial class PatroniAgent : IAsyncDisposable
{
    private static readonly string Version =
        typeof(PatroniAgent).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    private readonly InstanceStatusReader reader;
    private readonly PatroniStatusBody.Identity identity;
    private readonly ILogger logger;
    private (PostgresState, NodeRole, string?)? lastLogged;

    public PatroniAgent(AgentOptions options, TimeProvider time, ILogger<PatroniAgent>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        this.logger = logger ?? NullLogger<PatroniAgent>.Instance;
        reader = new InstanceStatusReader(options.Instance, time);
        Status = new InstanceStatusCache(ReadAndLogAsync, options.CacheMaxAge, time);
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

    // Checks only see 200 or 503; the log says why, once per change rather than once per check.
    private async Task<InstanceStatus> ReadAndLogAsync(CancellationToken cancellationToken)
    {
        var status = await reader.ReadAsync(cancellationToken);
        var key = (status.State, status.Role, status.Failure == StatusFailure.None ? status.Error : status.Failure.ToString());
        if (lastLogged != key)
        {
            lastLogged = key;
            if (status.State == PostgresState.Running && status.Error is null)
            {
                var role = PatroniStatusBody.RoleName(status.Role);
                LogRunning(logger, Options.Name, role);
            }
            else if (logger.IsEnabled(LogLevel.Warning))
            {
                LogTrouble(logger, Options.Name, PatroniStatusBody.StateName(status.State), PatroniStatusBody.RoleName(status.Role), status.Error ?? "");
            }
        }
        return status;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Name}: PostgreSQL running as {Role}")]
    private static partial void LogRunning(ILogger logger, string name, string role);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Name}: PostgreSQL {State} ({Role}): {Error}")]
    private static partial void LogTrouble(ILogger logger, string name, string state, string role, string error);

    public ValueTask DisposeAsync() => reader.DisposeAsync();
}
