using Pgway.Differential.Model;
using Pgway.Differential.Wire;
using Pgway.IntegrationTests.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Differential;

/// <summary>
/// Issue 17, seed 1003158: a client's statement stays prepared when a message of a later batch fails
/// (PostgreSQL skips only what follows the error, up to the Sync). pgway, preparing the statement on
/// a server that lacked it inside a batch an earlier message fails, took it for made there in the next
/// batch the client had pipelined, before the server skipped that Parse: the next Bind got 26000.
/// Run directly and through every pooled path.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class ParsedBeforeErrorDifferentialTests(PgTestClusterFixture fixture, ITestOutputHelper output)
{
    private const string Select = "SELECT * FROM t WHERE id = $1";
    private const string Missing = "SELECT * FROM no_such_table";

    private static readonly IReadOnlyList<KeyValuePair<string, string>> First = FixedConversations.Client(0);

    private static readonly IReadOnlyList<KeyValuePair<string, string>> Second = FixedConversations.Client(1);

    [Fact]
    public async Task ParseFlushedThenLaterParseFails_WhileWaitingForServer_StatementStays()
    {
        // The repro the fuzzer shrank seed 1003158 to: c2's batch waits for the one server c1 holds in
        // a transaction block, cut inside its Flush and its failing Parse.
        await RunAsync(new Conversation(1003158, ConversationProfile.Transaction, PoolSize: 1, [First, Second],
        [
            new(0, [Frontend.Query("BEGIN")], SplitSeed: 36),
            new(1,
            [
                Frontend.Parse("s1", Select),
                Frontend.Bind("", "s1", ["2"]),
                Frontend.Describe('P', ""),
                Frontend.Execute(""),
                Frontend.Flush(),
                Frontend.Parse("s2", Missing),
                Frontend.Bind("", "", []),
                Frontend.Sync(),
            ], SplitSeed: 57061),
            new(1,
            [
                Frontend.Parse("", Missing),
                Frontend.Bind("", "", []),
                Frontend.Execute(""),
                Frontend.Bind("", "s1", ["2"]),
                Frontend.Execute(""),
                Frontend.Sync(),
                Frontend.Bind("", "s1", ["2"]),
                Frontend.Execute(""),
                Frontend.Sync(),
            ], SplitSeed: 622378, ReadAfter: false),
        ]));
    }

    [Fact]
    public async Task ParsedWhileWaitingForServer_NextBatchFailsFirst_StatementStays()
    {
        // Seed 1003158 shrunk on the dest: pool service.
        await RunAsync(new Conversation(1003158, ConversationProfile.Transaction, PoolSize: 1, [First, Second],
        [
            new(0, [Frontend.Query("BEGIN")], SplitSeed: 36),
            new(1, [Frontend.Parse("s1", Select), Frontend.Sync()], SplitSeed: 136),
            new(1,
            [
                Frontend.Parse("", Missing),
                Frontend.Bind("", "", []),
                Frontend.Execute(""),
                Frontend.Bind("", "s1", ["2"]),
                Frontend.Bind("", "s1", ["2"]),
                Frontend.Sync(),
                Frontend.Bind("", "s1", ["2"], resultFormat: 1),
                Frontend.Sync(),
            ], SplitSeed: 622378, ReadAfter: false),
        ]));
    }

    [Fact]
    public async Task StatementMadeAgainAfterError_UsedInNextBatch_MadeAgainThere()
    {
        // The same without waiting for a server: c1's DEALLOCATE ALL empties the shared server, so
        // pgway makes c2's statement again before its Bind, after a failing Parse that skips it; the
        // next batch, pipelined, must not take the statement for made.
        await RunAsync(new Conversation(1003158, ConversationProfile.Transaction, PoolSize: 1, [First, Second],
        [
            new(1, [Frontend.Parse("s1", Select), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Query("DEALLOCATE ALL")], SplitSeed: 0),
            new(1,
            [
                Frontend.Parse("", Missing),
                Frontend.Bind("", "s1", ["2"]),
                Frontend.Execute(""),
                Frontend.Sync(),
                Frontend.Describe('S', "s1"),
                Frontend.Bind("", "s1", ["2"]),
                Frontend.Execute(""),
                Frontend.Sync(),
            ], SplitSeed: 0),
        ]));
    }

    // Three rounds: a later round's pools lend the servers an earlier one left, with the statements on them.
    [Fact]
    public async Task ParsedThenSameTextUnderAnotherNameSkippedAfterAnError_TheFirstNameStillBinds()
    {
        // Seed 4000761: s3 is s1's text, so pgway closes the server's statement and parses it afresh;
        // the error before them skips both, and the server keeps s1's statement, which pgway had
        // counted gone (its next Parse of it then met 42P05).
        await RunAsync(new Conversation(4000761, ConversationProfile.Transaction, PoolSize: 1, [First],
        [
            new(0, [Frontend.Parse("s1", "SELECT id, a, b FROM t ORDER BY id")], SplitSeed: 0),
            new(0, [Frontend.Parse("", Missing), Frontend.Parse("s3", "SELECT id, a, b FROM t ORDER BY id")], SplitSeed: 0),
            new(0, [Frontend.Sync(), Frontend.Bind("p5", "s1", []), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Bind("", "s3", []), Frontend.Sync()], SplitSeed: 0),
        ]));
    }

    private Task RunAsync(Conversation conversation) =>
        FixedConversations.AssertNoDivergenceAsync(fixture.Cluster, conversation, output, rounds: 3);
}
