using System.Text;
using Pgway.Differential.Comparing;
using Pgway.Differential.Model;

namespace Pgway.Differential.Running;

/// <summary>A path whose answers differ from PostgreSQL's for a seed, with the smallest conversation found that still shows it.</summary>
public sealed record Divergence(int Seed, DifferentialPath Path, Difference First, Conversation Minimal, Difference? MinimalFirst)
{
    /// <summary>Groups divergences of one kind: the path and the kind of the first difference.</summary>
    public string Signature => $"{Path}: {First.Kind}";

    /// <summary>The whole report: seed, path, the minimal conversation message by message, and both sides' answers.</summary>
    public string Report()
    {
        var text = new StringBuilder();
        text.Append($"DIVERGENCE seed {Seed} on {Path}: {First.Summary}\n");
        text.Append($"  minimal repro ({Minimal.Steps.Count} steps):\n");
        foreach (var line in Minimal.Describe().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            text.Append("    ").Append(line).Append('\n');
        }
        var shown = MinimalFirst ?? First;
        text.Append($"  client c{shown.Client + 1} first differs at answer {shown.Index}:\n");
        text.Append(shown.Context);
        return text.ToString();
    }

}
