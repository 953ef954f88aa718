using Pgway.Differential.Model;
using Pgway.Differential.Wire;
using Pgway.IntegrationTests.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Differential;

/// <summary>
/// What one client leaves on a shared server must not reach another, nor come back to itself
/// changed: the names pgway prepares statements under, and a RESET its transaction undid. Run
/// directly and through every pooled path, on a pool of one.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class SharedServerStateDifferentialTests(PgTestClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task ServerNamesOfPgwaysStatements_NotReachableByAnotherClient()
    {
        // pgway's server-side names were pgway_1, pgway_2, …: a client that bound one ran another
        // client's statement where PostgreSQL answers 26000.
        var steps = new List<ConversationStep>
        {
            new(0, [Frontend.Parse("s1", "SELECT 'c1 secret' AS s"), Frontend.Parse("s2", "SELECT 'c1 other' AS s"), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
        };
        for (var number = 0; number <= 8; number++)
        {
            steps.Add(new(1, [Frontend.Bind("", $"pgway_{number}", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0));
            steps.Add(new(1, [Frontend.Describe('S', $"pgway_{number}"), Frontend.Sync()], SplitSeed: 0));
        }
        steps.Add(new(1, [Frontend.Query("EXECUTE pgway_1")], SplitSeed: 0));
        steps.Add(new(0, [Frontend.Bind("", "s2", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0));
        await RunAsync(steps, FixedConversations.Client(0), FixedConversations.Client(1));
    }

    [Fact]
    public async Task ResetInAQueryThatFails_UndoneWithIt()
    {
        // A RESET is undone with the implicit transaction it ran in: the setting stays as it was SET.
        // pgway put the client's start-up value back all the same.
        var kolkata = FixedConversations.Client(0, "-c TimeZone=Asia/Kolkata -c DateStyle=SQL,DMY");
        await RunAsync(
        [
            new(0, [Frontend.Query("SET TimeZone = 'Europe/Berlin'")], SplitSeed: 0),
            new(0, [Frontend.Query("RESET TimeZone; SELECT 1/0")], SplitSeed: 0),
            new(0, [Frontend.Query("SHOW TimeZone")], SplitSeed: 0),
            new(0, [Frontend.Query("SET DateStyle = 'ISO, MDY'")], SplitSeed: 0),
            new(0, [Frontend.Query("RESET ALL; SELECT 1/0")], SplitSeed: 0),
            new(0, [Frontend.Query("SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS ds")], SplitSeed: 0),
            new(0,
            [
                Frontend.Parse("", "RESET TimeZone"), Frontend.Bind("", "", []), Frontend.Execute(""),
                Frontend.Parse("", "SELECT 1/0"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync(),
            ], SplitSeed: 0),
            new(0, [Frontend.Query("SHOW TimeZone")], SplitSeed: 0),
            new(0, [Frontend.Query("BEGIN; RESET TimeZone; COMMIT; SELECT 1/0")], SplitSeed: 0),
            new(0, [Frontend.Query("SHOW TimeZone")], SplitSeed: 0),
            new(0, [Frontend.Query("RESET TimeZone")], SplitSeed: 0),
            new(0, [Frontend.Query("SHOW TimeZone")], SplitSeed: 0),
        ], kolkata);
    }

    [Fact]
    public async Task ResetAllInABlockRolledBackThenResetAllPipelined_StartupValuesBack()
    {
        // Seed 44002597: the first RESET ALL was put back inside its block; at the ROLLBACK pgway took
        // it as undone, and forgot with it the words of the RESET ALL pipelined after, so that one put
        // nothing back: search_path stayed the server's, and the client's own table was not found.
        await RunAsync(
        [
            new(0, [Frontend.Query("START TRANSACTION")], SplitSeed: 0),
            new(0, [Frontend.Query("RESET ALL")], SplitSeed: 0),
            new(0, [Frontend.Query("ROLLBACK")], SplitSeed: 0, ReadAfter: false),
            new(0, [Frontend.Query("RESET ALL")], SplitSeed: 0),
            new(0, [Frontend.Query("SELECT id, a, b FROM t ORDER BY id")], SplitSeed: 0),
        ], FixedConversations.Client(0));
    }

    private Task RunAsync(IReadOnlyList<ConversationStep> steps, params IReadOnlyList<KeyValuePair<string, string>>[] clients) =>
        FixedConversations.AssertNoDivergenceAsync(fixture.Cluster,
            new Conversation(1, ConversationProfile.Transaction, PoolSize: 1, clients, steps), output);
}
