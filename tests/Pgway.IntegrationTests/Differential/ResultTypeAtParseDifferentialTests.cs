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
    private static readonly IReadOnlyList<KeyValuePair<string, string>> First =
        [new("application_name", "diff"), new("options", $"-c search_path={Conversation.Schema(0)}")];

    private static readonly IReadOnlyList<KeyValuePair<string, string>> Second =
        [new("application_name", "diff"), new("options", $"-c search_path={Conversation.Schema(1)}")];

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

    private Task RunAsync(Conversation conversation) =>
        FixedConversations.AssertNoDivergenceAsync(fixture.Cluster, conversation, output);
}
