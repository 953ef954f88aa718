using System.Diagnostics;
using Pgway.Differential.Model;

namespace Pgway.Differential.Shrinking;

/// <summary>
/// Makes a diverging conversation small: drops clients, steps, messages, write cuts and pipelining
/// while the divergence remains (checked by <c>diverges</c>, which also rejects conversations
/// PostgreSQL itself cannot finish), within a budget of time and runs.
/// </summary>
public sealed class Shrinker(Func<Conversation, CancellationToken, Task<bool>> diverges, TimeSpan budget, int maxRuns)
{
    public async Task<Conversation> ShrinkAsync(Conversation conversation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        var clock = Stopwatch.StartNew();
        var runs = 0;
        var current = conversation;
        var progress = true;
        while (progress)
        {
            progress = false;
            foreach (var candidate in Candidates(current))
            {
                if (clock.Elapsed > budget || runs >= maxRuns)
                {
                    return current;
                }
                runs++;
                if (await diverges(candidate, cancellationToken))
                {
                    current = candidate;
                    progress = true;
                    break;
                }
            }
        }
        return current;
    }

    /// <summary>Smaller conversations, the biggest cuts first.</summary>
    public static IEnumerable<Conversation> Candidates(Conversation conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        for (var client = 0; client < conversation.Startup.Count && conversation.Startup.Count > 1; client++)
        {
            yield return WithoutClient(conversation, client);
        }
        // Halves, quarters… of the steps first (delta debugging), then single steps.
        for (var size = conversation.Steps.Count / 2; size >= 2; size /= 2)
        {
            for (var start = conversation.Steps.Count - size; start >= 0; start -= size)
            {
                yield return conversation with { Steps = [.. conversation.Steps.Where((_, i) => i < start || i >= start + size)] };
            }
        }
        for (var step = conversation.Steps.Count - 1; step >= 0; step--)
        {
            yield return conversation with { Steps = [.. conversation.Steps.Where((_, i) => i != step)] };
        }
        for (var step = 0; step < conversation.Steps.Count; step++)
        {
            var messages = conversation.Steps[step].Messages;
            for (var message = messages.Count - 1; message >= 0 && messages.Count > 1; message--)
            {
                var shorter = conversation.Steps[step] with { Messages = [.. messages.Where((_, i) => i != message)] };
                yield return Replace(conversation, step, shorter);
            }
        }
        for (var step = 0; step < conversation.Steps.Count; step++)
        {
            var original = conversation.Steps[step];
            if (original.SplitSeed != 0)
            {
                yield return Replace(conversation, step, original with { SplitSeed = 0 });
            }
            if (!original.ReadAfter)
            {
                yield return Replace(conversation, step, original with { ReadAfter = true });
            }
        }
        for (var client = 0; client < conversation.Startup.Count; client++)
        {
            var startup = conversation.Startup[client];
            for (var parameter = 0; parameter < startup.Count; parameter++)
            {
                if (startup[parameter].Value.Contains(Conversation.Schema(0)[..^1], StringComparison.Ordinal))
                {
                    continue;
                }
                var fewer = conversation.Startup.ToList();
                fewer[client] = [.. startup.Where((_, i) => i != parameter)];
                yield return conversation with { Startup = fewer };
            }
        }
        if (conversation.PoolSize > 1)
        {
            yield return conversation with { PoolSize = 1 };
        }
    }

    private static Conversation Replace(Conversation conversation, int step, ConversationStep replacement)
    {
        var steps = conversation.Steps.ToList();
        steps[step] = replacement;
        return conversation with { Steps = steps };
    }

    private static Conversation WithoutClient(Conversation conversation, int client) =>
        conversation with
        {
            Startup = [.. conversation.Startup.Where((_, i) => i != client)],
            Steps = [.. conversation.Steps.Where(s => s.Client != client).Select(s => s.Client > client ? s with { Client = s.Client - 1 } : s)],
        };
}
