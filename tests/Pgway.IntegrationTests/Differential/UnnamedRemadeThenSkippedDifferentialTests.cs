using Pgway.Differential.Model;
using Pgway.Differential.Wire;
using Pgway.IntegrationTests.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Differential;

/// <summary>
/// Issue 17, seed 9003241: a client's unnamed statement, on a server where another client's stands
/// now, is made there again by pgway before the client's Bind. When an error earlier in the batch
/// made the server skip that Parse, pgway still counted the server's unnamed statement as the
/// client's, and the client's Bind after the Sync went to the other client's statement.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class UnnamedRemadeThenSkippedDifferentialTests(PgTestClusterFixture fixture, ITestOutputHelper output)
{
    // remade: pgway's Parse making the client's unnamed statement there again is skipped; own: the
    // client's own new unnamed Parse is, and its earlier unnamed statement stands (PostgreSQL binds it).
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UnnamedParseSkippedInAFailedBatch_BoundAfterTheSync_TheClientsOwn(bool ownParseSkipped)
    {
        IReadOnlyList<FrontendMessage> failing = ownParseSkipped
            ? [Frontend.Parse("s5", "SELECT * FROM no_such_table"), Frontend.Parse("", "SELECT $1::text AS t"), Frontend.Sync()]
            : [Frontend.Parse("s5", "SELECT * FROM no_such_table"), Frontend.Bind("", "", ["1"]), Frontend.Execute(""), Frontend.Sync()];
        await FixedConversations.AssertNoDivergenceAsync(fixture.Cluster, new Conversation(9003241, ConversationProfile.Transaction, PoolSize: 1,
            [FixedConversations.Client(0), FixedConversations.Client(1)],
        [
            new(0, [Frontend.Parse("", "SELECT $1::int AS v"), Frontend.Sync()], SplitSeed: 0),
            new(1, [Frontend.Parse("", "SELECT 'c2' AS other"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
            new(0, [.. failing, Frontend.Bind("", "", ["2"]), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
        ]), output);
    }

    // The client's unnamed statement, parsed under DateStyle MDY, is made again by pgway on a server where
    // another client's stands, after the client changed DateStyle with a named statement (which leaves
    // the unnamed one alone): PostgreSQL read its literal at the client's Parse, MDY. Pipelined: the
    // Bind comes before the change is answered.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UnnamedMadeAgainAfterTheClientChangedDateStyle_ReadsUnderItsParseSettings(bool pipelined)
    {
        await FixedConversations.AssertNoDivergenceAsync(fixture.Cluster, new Conversation(9003242, ConversationProfile.Transaction, PoolSize: 1,
            [FixedConversations.Client(0), FixedConversations.Client(1)],
        [
            new(0, [Frontend.Parse("", "SELECT '03/04/2024'::date AS d"), Frontend.Sync()], SplitSeed: 0),
            new(1, [Frontend.Parse("", "SELECT 'c2' AS other"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Parse("ds", "SET DateStyle = 'German'"), Frontend.Bind("", "ds", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0,
                ReadAfter: !pipelined),
            new(0, [Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
        ]), output);
    }
}
