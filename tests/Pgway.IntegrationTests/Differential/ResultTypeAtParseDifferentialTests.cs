using Pgway.Differential.Model;
using Pgway.Differential.Wire;
using Pgway.IntegrationTests.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Differential;

/// <summary>
/// Issue 17, seeds 2002721 and 2001164: a named statement's result type is fixed when PostgreSQL
/// parses it, so a Bind after DDL that changed it fails with 0A000 even if the client never asked
/// for a description. pgway prepared the statement again on another server, with the new shape, and
/// answered BindComplete, since it compared only descriptions the client had been given. Run
/// directly and through every pooled path.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class ResultTypeAtParseDifferentialTests(PgTestClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly IReadOnlyList<KeyValuePair<string, string>> First = FixedConversations.Client(0);

    private static readonly IReadOnlyList<KeyValuePair<string, string>> Second = FixedConversations.Client(1);

    [Fact]
    public async Task ParsedWithoutDescribe_ColumnRenamed_BindOnAnotherServerFails()
    {
        // The repro the fuzzer shrank seed 2002721 to: c2's transaction block holds the server c1
        // parsed on, so c1's Bind goes to another one.
        await RunAsync(new Conversation(2002721, ConversationProfile.Transaction, PoolSize: 1, [First, Second],
        [
            new(0, [Frontend.Parse("s1", "SELECT * FROM u ORDER BY 1")], SplitSeed: 0, ReadAfter: false),
            new(0, [Frontend.Query("ALTER TABLE u RENAME COLUMN k TO r1")], SplitSeed: 0),
            new(1, [Frontend.Query("BEGIN")], SplitSeed: 0),
            new(0, [Frontend.Bind("", "s1", [], resultFormat: 1), Frontend.Sync()], SplitSeed: 0),
        ]));
    }

    [Fact]
    public async Task ParsedAndSynced_ColumnAdded_BindAndExecuteOnAnotherServerFail()
    {
        // The same with the Parse in its own batch and a column added: the result type at parse time is
        // recorded whether or not the batch ends there.
        await RunAsync(new Conversation(2001164, ConversationProfile.Transaction, PoolSize: 1, [First, Second],
        [
            new(0, [Frontend.Parse("s1", "SELECT * FROM u ORDER BY 1"), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Query("ALTER TABLE u ADD COLUMN x1 int DEFAULT 1")], SplitSeed: 0),
            new(1, [Frontend.Query("BEGIN")], SplitSeed: 0),
            new(0, [Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Parse("s2", "SELECT * FROM u ORDER BY 1"), Frontend.Bind("", "s2", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
        ]));
    }

    [Fact]
    public async Task ResultTypeChanged_EveryBindFails_UntilClosedAndParsedAgain()
    {
        // PostgreSQL does not forget the parse-time result type after the first 0A000: the retry
        // fails as well, and only a Close and a new Parse of the name give the new shape.
        await RunAsync(new Conversation(2001165, ConversationProfile.Transaction, PoolSize: 1, [First, Second],
        [
            new(0, [Frontend.Parse("s1", "SELECT * FROM u ORDER BY 1"), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Query("ALTER TABLE u ADD COLUMN x1 int DEFAULT 1")], SplitSeed: 0),
            new(0, [Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
            new(1, [Frontend.Query("BEGIN")], SplitSeed: 0),
            new(0, [Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Close('S', "s1"), Frontend.Parse("s1", "SELECT * FROM u ORDER BY 1"), Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
            new(1, [Frontend.Query("COMMIT")], SplitSeed: 0),
            new(0, [Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
        ]));
    }

    [Fact]
    public async Task ParsedBeforeDdl_SameTextParsedAfterUnderAnotherName_TheNewNameDescribesTheNewShape()
    {
        // Seed 3002086: s5 is s3's text, parsed after the rename. PostgreSQL gives s5 the new shape
        // and keeps s3's old one (its Bind fails with 0A000); pgway answered s5's Parse itself, from
        // the server's copy parsed before the rename, whose Describe then failed with 0A000.
        await RunAsync(new Conversation(3002086, ConversationProfile.Transaction, PoolSize: 2, [First],
        [
            new(0, [Frontend.Parse("s3", "SELECT * FROM u ORDER BY 1")], SplitSeed: 0),
            new(0, [Frontend.Query("ALTER TABLE u RENAME COLUMN m TO r1")], SplitSeed: 37),
            new(0, [Frontend.Parse("s5", "SELECT * FROM u ORDER BY 1"), Frontend.Describe('S', "s5"), Frontend.Bind("", "s5", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 86),
            new(0, [Frontend.Bind("", "s3", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Bind("", "s5", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
        ]));
    }

    private Task RunAsync(Conversation conversation) =>
        FixedConversations.AssertNoDivergenceAsync(fixture.Cluster, conversation, output);
}
