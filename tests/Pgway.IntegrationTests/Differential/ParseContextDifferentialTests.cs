using Pgway.Differential.Model;
using Pgway.Differential.Wire;
using Pgway.IntegrationTests.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Differential;

/// <summary>
/// Issue 17, seed 2005223: PostgreSQL fixes a literal's value when it parses a statement, under the
/// DateStyle, TimeZone and IntervalStyle of that moment. pgway made a client's statement anew on a
/// server that lacked it under the client's settings of the moment of the Bind: after a SET TimeZone
/// a timestamptz literal read an hour apart. Run directly and through every pooled path.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class ParseContextDifferentialTests(PgTestClusterFixture fixture, ITestOutputHelper output)
{
    private const string Literals =
        "SELECT '03/04/2024'::date AS d, '2024-03-04 05:06:07'::timestamptz AS ts, '-1 2:03:04'::interval AS i, 'a\\b' AS s";

    private static readonly IReadOnlyList<KeyValuePair<string, string>> First = FixedConversations.Client(0, "-c DateStyle=ISO,DMY -c TimeZone=UTC");

    private static readonly IReadOnlyList<KeyValuePair<string, string>> Second = FixedConversations.Client(1);

    [Theory]
    [InlineData("SET DateStyle = 'ISO, MDY'")]
    [InlineData("SET TimeZone = 'Asia/Tokyo'")]
    [InlineData("SET IntervalStyle = 'sql_standard'")]
    [InlineData("SET standard_conforming_strings = off")]
    [InlineData("SET DateStyle = 'SQL, MDY'; SET TimeZone = 'America/New_York'; SET IntervalStyle = 'postgres_verbose'")]
    public async Task ParsedThenSettingsChanged_BoundOnAnotherServer_LiteralsAsWhenParsed(string change)
    {
        // One server: c2's DEALLOCATE ALL drops every statement on it, so c1's Bind makes its
        // statement there again: under the settings of c1's Parse, as PostgreSQL keeps it.
        await RunAsync(new Conversation(2005223, ConversationProfile.Transaction, PoolSize: 1, [First, Second],
        [
            new(0, [Frontend.Parse("s1", Literals), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Query(change)], SplitSeed: 0),
            new(1, [Frontend.Query("DEALLOCATE ALL")], SplitSeed: 0),
            new(0, [Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Query("SHOW DateStyle")], SplitSeed: 0),
            new(0, [Frontend.Query("SELECT current_setting('TimeZone'), current_setting('IntervalStyle'), current_setting('standard_conforming_strings')")], SplitSeed: 0),
            new(1, [Frontend.Query("DEALLOCATE ALL")], SplitSeed: 0),
            new(0, [Frontend.Query("BEGIN"), Frontend.Parse("s2", Literals), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Bind("", "s2", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Query("COMMIT")], SplitSeed: 0),
        ]));
    }

    private Task RunAsync(Conversation conversation) =>
        FixedConversations.AssertNoDivergenceAsync(fixture.Cluster, conversation, output);
}
