using Pgway.Differential.Model;

namespace Pgway.Differential.Running;

/// <summary>Runs conversations on one path at a time, from freshly made tables each time.</summary>
public sealed class PathRun(DifferentialEnvironment environment, RunnerOptions options)
{
    public RunnerOptions Options { get; } = options;

    /// <summary>The same environment with other options (a shorter read timeout while shrinking).</summary>
    public PathRun With(RunnerOptions other) => new(environment, other);

    public async Task<IReadOnlyList<ClientTranscript>> RunAsync(Conversation conversation, DifferentialPath path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        await environment.ResetSchemasAsync(Options.Database, SchemasUsed(conversation), cancellationToken);
        await using var lease = await environment.OpenAsync(path, conversation.PoolSize);
        var options = Options with
        {
            WaitForOthers = path != DifferentialPath.PoolerSession,
            PoolSize = path switch
            {
                DifferentialPath.PoolerTransaction or DifferentialPath.PoolerSession => conversation.PoolSize,
                DifferentialPath.PoolService => DifferentialEnvironment.PoolServiceSize,
                _ => null,
            },
            SessionPooling = path == DifferentialPath.PoolerSession,
        };
        return await ConversationRunner.RunAsync(conversation, lease.EndPoint, options, cancellationToken);
    }

    /// <summary>
    /// How many client schemas the conversation can touch: one per client, and more when shrinking left
    /// fewer clients than the schemas their start-up names (a lone client on diff_c4 must find diff_c4 fresh).
    /// </summary>
    internal static int SchemasUsed(Conversation conversation)
    {
        var used = conversation.Startup.Count;
        for (var client = conversation.Startup.Count; client < DifferentialEnvironment.MaxClients; client++)
        {
            var schema = Conversation.Schema(client);
            if (conversation.Startup.Any(parameters => parameters.Any(p => p.Value.Contains(schema, StringComparison.Ordinal)))
                || conversation.Steps.Any(step => step.Messages.Any(m => m.Text.Contains(schema, StringComparison.Ordinal))))
            {
                used = client + 1;
            }
        }
        return used;
    }
}
