using Pgway.Differential.Model;
using Pgway.Differential.Wire;
using Pgway.IntegrationTests.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Differential;

/// <summary>
/// Issue 17, seed 2479: a COPY FROM STDIN in the extended protocol with a Sync inside it (which
/// PostgreSQL ignores there), pipelined with a <c>DISCARD ALL</c>, run directly and through every
/// pooled path. The Sync inside the COPY is taken off the requests awaiting a ReadyForQuery only
/// when the CopyInResponse is followed; when that came in the same read of the server's as the
/// DISCARD ALL's ReadyForQuery, the start-up values were not put back, and the client's next
/// request ran under the server's log-in values (42P01 for its own table).
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class CopyInDifferentialTests(PgTestClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly IReadOnlyList<KeyValuePair<string, string>> Startup =
        [new("search_path", "diff_c1"), new("DateStyle", "ISO, DMY"), new("options", "-c IntervalStyle=sql_standard")];

    private static FrontendMessage[] CopyBatch() =>
    [
        Frontend.Parse("", "COPY c (id, v) FROM STDIN"),
        Frontend.Bind("", "", []),
        Frontend.Execute(""),
        Frontend.CopyData("1\tone\n"),
        Frontend.Sync(answered: false),
        Frontend.CopyDone(),
        Frontend.Sync(),
    ];

    [Fact]
    public async Task CopyInWithSync_PipelinedWithDiscardAll_StartupValuesBack()
    {
        // The repro the fuzzer shrank seed 2479 to: the COPY batch in one write, the DISCARD ALL cut in three.
        await RunAsync(new Conversation(2479, ConversationProfile.Transaction, PoolSize: 1, [Startup],
        [
            new(0, CopyBatch(), SplitSeed: 0, ReadAfter: false),
            new(0, [Frontend.Query("DISCARD ALL")], SplitSeed: SeedCutting([Frontend.Query("DISCARD ALL")], 2)),
            new(0, [Frontend.Query("INSERT INTO t VALUES (101, 0, 'p')")], SplitSeed: 0),
        ]));
    }

    [Fact]
    public async Task NamedParseSentInsideASimpleQueryCopy_TheCopyFailsAsOnPostgreSql_NothingWaits()
    {
        // A Parse inside COPY FROM STDIN ends the connection (FATAL 08P01, synchronization lost); pgway held
        // the Parse until the COPY's Query was answered, in case it changed the client's settings, and the
        // server waited for data that never came: the client waited until a timeout.
        await RunAsync(new Conversation(2480, ConversationProfile.Transaction, PoolSize: 1, [Startup],
        [
            new(0, [Frontend.Query("COPY c (id, v) FROM STDIN"), Frontend.Parse("s2", "SELECT 1 AS one"), Frontend.Sync()], SplitSeed: 0,
                ServerCloses: true),
        ]));
    }

    [Fact]
    public async Task CopyInWithSync_WriteCutTwoBytesIntoTheSyncInsideCopy_StartupValuesBack()
    {
        // The COPY batch's write cut 2 bytes into the Sync inside the COPY; the DISCARD ALL pipelined right after.
        // The cut itself is followed rightly (CopyInAccountingTests cuts every byte): what matters is
        // which read of the server's the COPY's start and the DISCARD ALL's answer come in.
        var batch = CopyBatch();
        var syncAt = batch[..4].Sum(m => m.Encode().Length);
        await RunAsync(new Conversation(2479, ConversationProfile.Transaction, PoolSize: 1, [Startup],
        [
            new(0, batch, SplitSeed: SeedCutting(batch, syncAt + 2), ReadAfter: false),
            new(0, [Frontend.Query("DISCARD ALL")], SplitSeed: 0, ReadAfter: false),
            new(0, [Frontend.Query("INSERT INTO t VALUES (102, 0, 'q')")], SplitSeed: 0),
        ]));
    }

    // A split seed whose writes cut the messages' bytes at `at` (the cuts are the step's own, from its seed).
    private static int SeedCutting(FrontendMessage[] messages, int at)
    {
        for (var seed = 1; seed < 1_000_000; seed++)
        {
            var step = new ConversationStep(0, messages, seed);
            if (step.Writes()[0].Length == at)
            {
                return seed;
            }
        }
        throw new InvalidOperationException($"no split seed cuts at byte {at}");
    }

    private Task RunAsync(Conversation conversation) =>
        FixedConversations.AssertNoDivergenceAsync(fixture.Cluster, conversation, output);
}
