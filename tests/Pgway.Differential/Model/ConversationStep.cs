using Pgway.Differential.Wire;

namespace Pgway.Differential.Model;

/// <summary>
/// One client's turn: messages written together (split into writes at random boundaries), then,
/// unless the client pipelines on, a read of every answer it is owed.
/// </summary>
/// <param name="Client">The client's index (0-based).</param>
/// <param name="Messages">What it writes.</param>
/// <param name="SplitSeed">Seeds where the bytes are cut into writes; 0 writes them at once.</param>
/// <param name="ReadAfter">False pipelines: the client's next step is written before reading these answers.</param>
/// <param name="ServerCloses">The server ends the session during this step (a FATAL it raises itself).</param>
/// <param name="AfterOthers">
/// The client was idle (between transactions): this step is sent only once every earlier step of the
/// other clients has its answers, so a server pgway still keeps for this client shows as their hang.
/// </param>
public sealed record ConversationStep(int Client, IReadOnlyList<FrontendMessage> Messages, int SplitSeed, bool ReadAfter = true, bool ServerCloses = false, bool AfterOthers = false)
{
    /// <summary>ReadyForQuery messages PostgreSQL answers this step with.</summary>
    public int ExpectedReady => Messages.Sum(m => m.Ready);

    /// <summary>The session ends after this step: it sends Terminate, or the server closes.</summary>
    public bool EndsSession => ServerCloses || Messages.Any(m => m.Type == 'X');

    /// <summary>For a step ending in Flush: the answers to wait for (no ReadyForQuery comes).</summary>
    public int ExpectedCompletions => Messages.Count > 0 && Messages[^1].Type == 'H' && ExpectedReady == 0 ? Messages.Sum(m => m.Completions) : 0;

    /// <summary>The step's bytes, cut into writes (possibly inside a message header).</summary>
    public IReadOnlyList<byte[]> Writes()
    {
        var bytes = Messages.SelectMany(m => m.Encode()).ToArray();
        if (SplitSeed == 0 || bytes.Length < 2)
        {
            return [bytes];
        }
        var random = new Random(SplitSeed);
        var cuts = Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(1, bytes.Length)).Distinct().Order().ToList();
        var writes = new List<byte[]>();
        var at = 0;
        foreach (var cut in cuts)
        {
            writes.Add(bytes[at..cut]);
            at = cut;
        }
        writes.Add(bytes[at..]);
        return writes;
    }
}
