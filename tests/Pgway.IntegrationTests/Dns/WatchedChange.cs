namespace Pgway.IntegrationTests.Dns;

/// <summary>When a reading changed (see <see cref="ChangeWatch"/>): between two rounds, as local times of day.</summary>
/// <param name="Answer">The first reading that showed the change.</param>
/// <param name="LastBefore">The start of the last round that did not show it.</param>
/// <param name="FirstAfter">The start of the first round that did.</param>
/// <param name="Rounds">Rounds asked.</param>
internal sealed record WatchedChange(string Answer, TimeSpan LastBefore, TimeSpan FirstAfter, int Rounds)
{
    /// <summary>How long after <paramref name="at"/> the reading showed the change, and where the round before stood.</summary>
    public string DescribeAfter(TimeSpan at) =>
        $"[{Answer}] {ChangeWatch.Since(at, FirstAfter).TotalMilliseconds:0} ms after"
        + $" (the round before, at {ChangeWatch.Since(at, LastBefore).TotalMilliseconds:0} ms, did not; {Rounds} rounds)";

    public override string ToString() =>
        $"{FirstAfter:hh\\:mm\\:ss\\.fff} (the round before at {LastBefore:hh\\:mm\\:ss\\.fff} did not; {Rounds} rounds)";
}
