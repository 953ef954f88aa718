using Pgway.Differential.Model;
using Pgway.Differential.Wire;
using Pgway.IntegrationTests.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Differential;

/// <summary>
/// Issue 17, seed 7004360: a client set DateStyle with set_config in a pipelined Query while another
/// client waited for the pool of one; that client took the server into a transaction and left.
/// The first client's next Parse must read a date under the DateStyle it set ('SQL, DMY'):
/// through a pooled service it was read MDY.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class SettingsAcrossServersDifferentialTests(PgTestClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task SetConfigPipelined_AnotherClientTakesThePool_TheNextParseReadsUnderTheClientsSetting()
    {
        var first = new List<KeyValuePair<string, string>> { new("search_path", Conversation.Schema(1)), new("application_name", "app b") };
        var second = FixedConversations.Client(2, "-c TimeZone=America/New_York");
        await FixedConversations.AssertNoDivergenceAsync(fixture.Cluster, new Conversation(7004360, ConversationProfile.Transaction, PoolSize: 1, [first, second],
        [
            new(0, [Frontend.Query("SELECT set_config('DateStyle', 'SQL, DMY', false) AS ds")], SplitSeed: 1, ReadAfter: false),
            new(1, [Frontend.Query("START TRANSACTION")], SplitSeed: 2, ReadAfter: false),
            new(0, [Frontend.Parse("s1", "SELECT '2024-03-04 05:06:07'::timestamptz AS ts, '03/04/2024'::date AS d"), Frontend.Sync()], SplitSeed: 3, AfterOthers: true),
            new(0,
            [
                Frontend.Parse("", "SELECT 1/$1::int AS boom"), Frontend.Bind("", "", ["0"], resultFormat: 1), Frontend.Execute(""),
                Frontend.Parse("", "SELECT * FROM no_such_table"), Frontend.Bind("", "", []), Frontend.Describe('P', ""), Frontend.Sync(),
                Frontend.Bind("p4", "s1", [], resultFormat: 1), Frontend.Execute("p4"), Frontend.Sync(),
            ], SplitSeed: 4),
            new(0, [Frontend.Query("SHOW DateStyle")], SplitSeed: 5),
        ]), output, rounds: 3);
    }

    // In the same write as the Parse, a simple Query ahead of it sets DateStyle. The statement is
    // then dropped on the one server (another client's DEALLOCATE ALL), and the client's Bind makes
    // it there again: under the DateStyle it was parsed with.
    [Fact]
    public async Task SettingChangedByAQueryAheadOfTheParse_MadeAgainElsewhere_ReadsUnderThatSetting()
    {
        const string literals = "SELECT '03/04/2024'::date AS d, '2024-03-04 05:06:07'::timestamptz AS ts";
        await FixedConversations.AssertNoDivergenceAsync(fixture.Cluster, new Conversation(7004360, ConversationProfile.Transaction, PoolSize: 1,
            [FixedConversations.Client(0), FixedConversations.Client(1)],
        [
            new(0, [Frontend.Query("SELECT set_config('DateStyle', 'SQL, DMY', false) AS ds"), Frontend.Parse("s1", literals), Frontend.Sync()], SplitSeed: 0),
            new(1, [Frontend.Query("DEALLOCATE ALL")], SplitSeed: 0),
            new(0, [Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Query("SET DateStyle = 'ISO, MDY'")], SplitSeed: 0),
            new(1, [Frontend.Query("DEALLOCATE ALL")], SplitSeed: 0),
            new(0, [Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
        ]), output);
    }

    // In one batch, an Execute sets DateStyle (PostgreSQL reports it only at the batch's end), then
    // the client parses a statement, or binds one pgway must make again on the server: the statement
    // is known by, or made under, the settings the server has at that point, and the client's own
    // setting stands for the rest of the batch.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SettingChangedByAnExecuteInTheSameBatch_StatementParsedOrMadeThere_UnderTheRightSettings(bool parsedInTheBatch)
    {
        const string setDmy = "SELECT set_config('DateStyle', 'SQL, DMY', false) AS ds";
        const string literals = "SELECT '03/04/2024'::date AS d, '2024-03-04 05:06:07'::timestamptz AS ts, now()::date > '01/02/2000'::date AS later";
        IReadOnlyList<FrontendMessage> setThenUse = parsedInTheBatch
            ? [Frontend.Parse("", setDmy), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Parse("s1", literals),
                Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Sync()]
            : [Frontend.Parse("", setDmy), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Bind("", "s1", []), Frontend.Execute(""),
                Frontend.Parse("", "SELECT '05/06/2024'::date AS after"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync()];
        var steps = new List<ConversationStep>();
        if (!parsedInTheBatch)
        {
            steps.Add(new(0, [Frontend.Parse("s1", literals), Frontend.Sync()], SplitSeed: 0));
            steps.Add(new(1, [Frontend.Query("DEALLOCATE ALL")], SplitSeed: 0));
        }
        steps.Add(new(0, setThenUse, SplitSeed: 0));
        steps.Add(new(1, [Frontend.Query("DEALLOCATE ALL")], SplitSeed: 0));
        steps.Add(new(0, [Frontend.Query("SET DateStyle = 'ISO, YMD'")], SplitSeed: 0));
        steps.Add(new(0, [Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0));
        await FixedConversations.AssertNoDivergenceAsync(fixture.Cluster, new Conversation(7004360, ConversationProfile.Transaction, PoolSize: 1,
            [FixedConversations.Client(0), FixedConversations.Client(1)], steps), output);
    }

    // Seed 54028375: the client's SET DateStyle went pipelined, and its Bind, in the next write, found its
    // statement missing on the server it held (the other client had taken the server that had it into a
    // transaction). pgway made the statement there before the SET was answered, under the DateStyle it
    // knew, which the server no longer had: '03/04/2024', parsed MDY (4 March), came back as 3 April.
    [Fact]
    public async Task SetPipelined_StatementMadeOnTheOtherServerBeforeItIsAnswered_ReadsUnderItsParseSettings()
    {
        const string literals = "SELECT '2024-03-04 05:06:07'::timestamptz AS ts, '03/04/2024'::date AS d";
        var first = new List<KeyValuePair<string, string>>([.. FixedConversations.Client(0), new("TimeZone", "Europe/Berlin")]);
        var second = new List<KeyValuePair<string, string>>
        {
            new("application_name", "app b"), new("TimeZone", "America/New_York"),
            new("options", $"-c search_path={Conversation.Schema(1)} -c IntervalStyle=iso_8601 -c extra_float_digits=1"),
        };
        await FixedConversations.AssertNoDivergenceAsync(fixture.Cluster, new Conversation(54028375, ConversationProfile.Transaction, PoolSize: 2, [first, second],
        [
            new(0, [Frontend.Parse("s1", literals), Frontend.Sync()], SplitSeed: 1),
            new(1, [Frontend.Query("START TRANSACTION")], SplitSeed: 2, AfterOthers: true),
            new(0, [Frontend.Query("SET DateStyle = 'German'")], SplitSeed: 3, ReadAfter: false),
            new(0, [Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 4),
        ]), output, rounds: 3);
    }

    // In one batch, an Execute sets DateStyle and is answered after a Flush; the client's Parse comes
    // after that answer, before the batch's Sync. PostgreSQL reports the new DateStyle only at the Sync,
    // so pgway, seeing no Execute unanswered, took the value it last reported for the statement's parse
    // settings: made again on the server later, the date was read MDY where the client's was DMY.
    [Fact]
    public async Task SettingChangedByAnExecuteAnsweredAfterAFlush_StatementParsedThen_MadeAgainUnderItsSettings()
    {
        const string literals = "SELECT '03/04/2024'::date AS d";
        await FixedConversations.AssertNoDivergenceAsync(fixture.Cluster, new Conversation(7004361, ConversationProfile.Transaction, PoolSize: 1,
            [FixedConversations.Client(0), FixedConversations.Client(1)],
        [
            new(0, [Frontend.Parse("", "SELECT set_config('DateStyle', 'German', false) AS ds"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Flush()], SplitSeed: 0),
            new(0, [Frontend.Parse("s1", literals), Frontend.Sync()], SplitSeed: 0),
            new(0, [Frontend.Query("SET DateStyle = 'ISO, MDY'")], SplitSeed: 0),
            new(1, [Frontend.Query("DEALLOCATE ALL")], SplitSeed: 0),
            new(0, [Frontend.Bind("", "s1", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
        ]), output);
    }
}
