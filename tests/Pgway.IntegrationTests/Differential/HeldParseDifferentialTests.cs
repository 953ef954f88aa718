using Pgway.Differential.Model;
using Pgway.Differential.Wire;
using Pgway.IntegrationTests.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Differential;

/// <summary>
/// Issue 17, seed 2509: a named Parse held back behind an earlier batch's unanswered Parse of the
/// same text waited for every request sent to be answered, including the messages of its own batch
/// sent ahead of it, which PostgreSQL answers only at that batch's Sync, held behind it: the
/// client's answers went missing, then the session hung. Run directly and through every pooled path.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class HeldParseDifferentialTests(PgTestClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task ParseHeldBehindEarlierBatch_UnnamedMessagesAheadInItsBatch_AllAnswered()
    {
        // The repro the fuzzer shrank seed 2509 to: the first batch pipelined, the second written at once.
        await RunAsync(new Conversation(2509, ConversationProfile.Transaction, PoolSize: 1, [[]],
        [
            new(0, [Frontend.Parse("s2", "SELECT 1/$1::int AS boom"), Frontend.Sync()], SplitSeed: 0, ReadAfter: false),
            new(0,
            [
                Frontend.Parse("", "SELECT generate_series(1, 5) AS g"),
                Frontend.Bind("", "", []),
                Frontend.Describe('P', ""),
                Frontend.Parse("s3", "SELECT 1/$1::int AS boom"),
                Frontend.Sync(),
            ], SplitSeed: 0),
            new(0, [Frontend.Query("SELECT 1")], SplitSeed: 0),
        ]));
    }

    private Task RunAsync(Conversation conversation) =>
        FixedConversations.AssertNoDivergenceAsync(fixture.Cluster, conversation, output);
}
