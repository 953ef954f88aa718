using Pgway.Differential.Comparing;
using Pgway.Differential.Generation;
using Pgway.Differential.Model;
using Pgway.Differential.Shrinking;

namespace Pgway.Differential.Running;

/// <summary>
/// Runs a seed's conversation directly and through every path its profile allows, compares each
/// client's answers, and shrinks every divergence to a minimal repro (once per kind of divergence).
/// </summary>
public sealed class DifferentialTester(PathRun run, TimeSpan shrinkBudget, int shrinkRuns)
{
    // Shrinking runs many candidates, and a hang costs a whole read timeout each time.
    private readonly PathRun shrinkRun = run.With(run.Options with { ReadTimeout = run.Options.ReadTimeout / 2 });

    private readonly HashSet<string> shrunk = [];

    /// <summary>At most this many divergences are shrunk (one per kind); later ones are reported as found.</summary>
    public int MaxShrinks { get; init; } = int.MaxValue;

    /// <summary>The paths a conversation of <paramref name="profile"/> runs on besides direct.</summary>
    public static IReadOnlyList<DifferentialPath> PathsFor(ConversationProfile profile) => profile == ConversationProfile.Session
        ? [DifferentialPath.PoolerSession, DifferentialPath.L4Service]
        : [DifferentialPath.PoolerTransaction, DifferentialPath.PoolerSession, DifferentialPath.PoolService, DifferentialPath.L4Service];

    public Task<SeedResult> RunSeedAsync(int seed, CancellationToken cancellationToken) =>
        RunAsync(ConversationGenerator.Generate(seed), cancellationToken);

    public async Task<SeedResult> RunAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        var notes = new SortedSet<string>(StringComparer.Ordinal);
        var direct = await run.RunAsync(conversation, DifferentialPath.Direct, cancellationToken);
        if (direct.FirstOrDefault(t => t.TimedOut) is { } hung)
        {
            return new SeedResult(conversation, [], $"PostgreSQL itself: {hung.End}", notes);
        }
        var divergences = new List<Divergence>();
        foreach (var path in PathsFor(conversation.Profile))
        {
            var through = await run.RunAsync(conversation, path, cancellationToken);
            for (var client = 0; client < direct.Count; client++)
            {
                foreach (var note in TranscriptComparer.GreetingNotes(direct[client], through[client]))
                {
                    notes.Add($"{path}: {note}");
                }
            }
            var differences = TranscriptComparer.Compare(direct, through, path == DifferentialPath.PoolService);
            if (differences.Count == 0)
            {
                continue;
            }
            // Every kind of difference among the clients, each shrunk on its own.
            foreach (var first in differences.DistinctBy(d => d.Kind))
            {
                var unshrunk = new Divergence(conversation.Seed, path, first, conversation, null);
                if (shrinkRuns == 0 || shrunk.Count >= MaxShrinks || !shrunk.Add(unshrunk.Signature))
                {
                    divergences.Add(unshrunk);
                    continue;
                }
                var minimal = await new Shrinker((candidate, ct) => DivergesAsync(candidate, path, first.Kind, ct), shrinkBudget, shrinkRuns).ShrinkAsync(conversation, cancellationToken);
                var minimalFirst = await FirstDifferenceAsync(minimal, path, first.Kind, cancellationToken);
                divergences.Add(new Divergence(conversation.Seed, path, first, minimal, minimalFirst ?? first));
            }
        }
        return new SeedResult(conversation, divergences, null, notes);
    }

    private async Task<bool> DivergesAsync(Conversation candidate, DifferentialPath path, string kind, CancellationToken cancellationToken)
    {
        // Twice: clients run side by side, so a divergence of timing may need a second chance.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var direct = await shrinkRun.RunAsync(candidate, DifferentialPath.Direct, cancellationToken);
            if (direct.Any(t => t.TimedOut))
            {
                return false;
            }
            var through = await shrinkRun.RunAsync(candidate, path, cancellationToken);
            // The same kind of difference: shrinking must not wander off to another divergence.
            if (TranscriptComparer.Compare(direct, through, path == DifferentialPath.PoolService).Any(d => d.Kind == kind))
            {
                return true;
            }
        }
        return false;
    }

    private async Task<Difference?> FirstDifferenceAsync(Conversation conversation, DifferentialPath path, string kind, CancellationToken cancellationToken)
    {
        var direct = await run.RunAsync(conversation, DifferentialPath.Direct, cancellationToken);
        var through = await run.RunAsync(conversation, path, cancellationToken);
        return TranscriptComparer.Compare(direct, through, path == DifferentialPath.PoolService).FirstOrDefault(d => d.Kind == kind);
    }
}
