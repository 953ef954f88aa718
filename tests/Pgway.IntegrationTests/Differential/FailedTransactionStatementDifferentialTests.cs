using Pgway.Differential.Model;
using Pgway.Differential.Wire;
using Pgway.IntegrationTests.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Differential;

/// <summary>
/// Issue 17, seeds 2003920 and 111: named statements inside a failed transaction block, with the
/// batch that failed it still unanswered when the next one arrives. PostgreSQL refuses a Parse there
/// (25P02) but lets a Close through. pgway answered a Parse of a text the server already held by
/// itself, and let a second Close of a name whose first Close was skipped pass as a no-op, so the name
/// came back. Run directly and through every pooled path.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class FailedTransactionStatementDifferentialTests(PgTestClusterFixture fixture, ITestOutputHelper output)
{
    private const string Settings = "SELECT current_setting('application_name') AS app, current_setting('default_transaction_read_only') AS ro";
    private const string Missing = "SELECT * FROM no_such_table";

    private static readonly IReadOnlyList<KeyValuePair<string, string>> Only = FixedConversations.Client(0);

    [Fact]
    public async Task BlockFailsInAPipelinedBatch_ParseOfATextTheServerHolds_Refused()
    {
        // Seed 2003920, with s1 made in a batch of its own so that the server has confirmed it when
        // s4, the same text, arrives behind the unanswered batch that fails the block.
        await RunAsync(new Conversation(2003920, ConversationProfile.Transaction, PoolSize: 1, [Only],
        [
            new(0, [Frontend.Query("BEGIN")], SplitSeed: 8),
            new(0, [Frontend.Parse("s1", Settings), Frontend.Sync()], SplitSeed: 67),
            new(0, [Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Parse("", Missing), Frontend.Sync()], SplitSeed: 34, ReadAfter: false),
            new(0, [Frontend.Parse("s4", Settings), Frontend.Sync(), Frontend.Parse("s5", Settings), Frontend.Bind("", "s5", []), Frontend.Sync()], SplitSeed: 62),
            new(0, [Frontend.Query("ROLLBACK")], SplitSeed: 0),
            new(0, [Frontend.Bind("", "s4", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
        ]));
    }

    [Fact]
    public async Task CloseSkippedInAFailedBatch_ClosedAgainInTheNext_TheNameIsGone()
    {
        // The repro the fuzzer shrank seed 111 to.
        await RunAsync(new Conversation(111, ConversationProfile.Transaction, PoolSize: 1, [Only],
        [
            new(0, [Frontend.Query("BEGIN")], SplitSeed: 4, AfterOthers: true),
            new(0, [Frontend.Parse("s1", "SELECT generate_series(1, 5) AS g")], SplitSeed: 0),
            new(0, [Frontend.Parse("", Missing), Frontend.Close('S', "s1"), Frontend.Sync()], SplitSeed: 36, ReadAfter: false),
            new(0, [Frontend.Close('S', "s1"), Frontend.Bind("", "s1", []), Frontend.Describe('P', ""), Frontend.Sync()], SplitSeed: 1),
            new(0, [Frontend.Query("ROLLBACK")], SplitSeed: 0),
            new(0, [Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
        ]));
    }

    [Fact]
    public async Task BlockFailedThenRollbackPipelined_ParseOfATextTheServerHolds_Prepared()
    {
        // Seed 6000321: the ROLLBACK is not answered when s5's Parse (s4's text) arrives, so the block's
        // last known status, failed, is stale; pgway refused the Parse in the server's place, and the
        // server, past the ROLLBACK, took the stand-in as a success: s5 never existed.
        await RunAsync(new Conversation(6000321, ConversationProfile.Transaction, PoolSize: 1, [Only],
        [
            new(0, [Frontend.Query("START TRANSACTION")], SplitSeed: 0),
            new(0, [Frontend.Parse("s4", "SELECT $1::int * 2 AS twice")], SplitSeed: 0),
            new(0, [Frontend.Bind("", "", ["0"]), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Query("ROLLBACK")], SplitSeed: 0, ReadAfter: false),
            new(0, [Frontend.Parse("s5", "SELECT $1::int * 2 AS twice"), Frontend.Describe('S', "s5"), Frontend.Flush()], SplitSeed: 0),
            new(0, [Frontend.Bind("", "s5", ["21"]), Frontend.Execute(""), Frontend.Bind("", "s4", ["2"]), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
        ]));
    }

    [Fact]
    public async Task ResultTypeChanged_BindAgainInTheFailedBlock_RefusedAsAFailedTransaction()
    {
        // Seed 32002381: c2's s1 (a SELECT *) has two columns swapped by renames, so pgway fails its
        // Bind in the server's place (0A000), which fails the block; PostgreSQL refuses the next Bind
        // of it there with 25P02, as it refuses any Bind in a failed block before checking the plan.
        // pgway answered 0A000 again.
        await RunAsync(new Conversation(32002381, ConversationProfile.Transaction, PoolSize: 1,
            [FixedConversations.Client(2, "-c DateStyle=Postgres,DMY"), FixedConversations.Client(3)],
        [
            new(1, [Frontend.Parse("s1", "SELECT * FROM u ORDER BY 1"), Frontend.Sync()], SplitSeed: 6, ReadAfter: false),
            new(0, [Frontend.Query("BEGIN ISOLATION LEVEL REPEATABLE READ")], SplitSeed: 0),
            new(1, [Frontend.Query("ALTER TABLE u RENAME COLUMN k TO tmp1; ALTER TABLE u RENAME COLUMN m TO k; ALTER TABLE u RENAME COLUMN tmp1 TO m")], SplitSeed: 24, AfterOthers: true),
            new(1, [Frontend.Query("START TRANSACTION")], SplitSeed: 0, ReadAfter: false),
            new(1,
            [
                Frontend.Parse("", "SELECT generate_series(1, 5) AS g"), Frontend.Bind("", "", []), Frontend.Bind("", "s1", []), Frontend.Describe('P', ""), Frontend.Sync(),
                Frontend.Bind("", "s1", []), Frontend.Sync(),
            ], SplitSeed: 0),
            new(1, [Frontend.Describe('S', "s1"), Frontend.Sync()], SplitSeed: 0),
            new(1, [Frontend.Query("ROLLBACK")], SplitSeed: 0),
            new(1, [Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
        ]));
    }

    [Fact]
    public async Task ResultTypeChanged_DescribedTwice_ParameterDescriptionThenRefusedEachTime()
    {
        // PostgreSQL describes a statement's parameters before it finds its result type changed: each
        // Describe of it after the DDL answers ParameterDescription, then 0A000.
        await RunAsync(new Conversation(1, ConversationProfile.Transaction, PoolSize: 1, [Only],
        [
            new(0, [Frontend.Parse("s1", "SELECT *, $1::int AS p FROM u ORDER BY 1"), Frontend.Describe('S', "s1"), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Query("ALTER TABLE u ADD COLUMN z int")], SplitSeed: 0),
            new(0, [Frontend.Describe('S', "s1"), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Describe('S', "s1"), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Query("BEGIN")], SplitSeed: 0),
            new(0, [Frontend.Query("SELECT 1/0")], SplitSeed: 0),
            new(0, [Frontend.Describe('S', "s1"), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Query("ROLLBACK")], SplitSeed: 0),
        ]));
    }

    private Task RunAsync(Conversation conversation) =>
        FixedConversations.AssertNoDivergenceAsync(fixture.Cluster, conversation, output);
}
