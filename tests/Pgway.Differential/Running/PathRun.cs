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
        await environment.ResetSchemasAsync(Options.Database, conversation.Startup.Count, cancellationToken);
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
}
