using System.Text;

namespace Pgway.Differential.Model;

/// <summary>
/// A generated conversation: its clients' start-up parameters and their steps in the order they are
/// sent (each client reads its own answers; clients run side by side).
/// </summary>
/// <param name="Seed">The generator's seed.</param>
/// <param name="PoolSize">Servers in the pool the clients share on pooled paths.</param>
/// <param name="Startup">Per client, the start-up parameters besides user and database.</param>
public sealed record Conversation(int Seed, ConversationProfile Profile, int PoolSize, IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> Startup, IReadOnlyList<ConversationStep> Steps)
{
    /// <summary>The schema client <paramref name="client"/> works in; the runner creates it before each run.</summary>
    public static string Schema(int client) => $"diff_c{client + 1}";

    /// <summary>The conversation, message by message, as a repro prints it.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append($"seed {Seed}, profile {Profile}, pool of {PoolSize}, {Startup.Count} client(s)\n");
        for (var client = 0; client < Startup.Count; client++)
        {
            text.Append($"  c{client + 1} start-up: {string.Join(", ", Startup[client].Select(p => $"{p.Key}={p.Value}"))}\n");
        }
        foreach (var step in Steps)
        {
            var writes = step.Writes();
            var cuts = new List<int>();
            var at = 0;
            foreach (var write in writes.Take(writes.Count - 1))
            {
                at += write.Length;
                cuts.Add(at);
            }
            var how = (cuts.Count == 0 ? "one write" : $"{writes.Count} writes, cut at byte {string.Join(", ", cuts)}")
                + (step.ReadAfter ? "" : ", pipelined: no read before the next step")
                + (step.AfterOthers ? ", after every other client has its answers" : "");
            text.Append($"  c{step.Client + 1} ({how}):\n");
            foreach (var message in step.Messages)
            {
                text.Append($"      {message}\n");
            }
        }
        return text.ToString();
    }
}
