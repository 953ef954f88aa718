using Pgway.Differential.Model;
using Pgway.Differential.Wire;
using Pgway.IntegrationTests.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Differential;

/// <summary>
/// Issue 17, seed 49037536 (transaction mode): a client with start-up values sent RESET ALL and a BEGIN in one write.
/// pgway holds the BEGIN until the RESET is answered and the start-up values are back; it then gave the server
/// back, and the pump's wake-up ran the client's side at once, which took the BEGIN, borrowed the same server and
/// began giving it the client's parameters. The pump, not yet waiting for a server lent, read that server beside
/// it: its second wait on one socket threw, the pump ended and took the session with it, and the client had
/// neither an answer nor an error. Reading the server there could as well have passed the parameters' answers
/// to the client.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class ResetThenPipelinedDifferentialTests(PgTestClusterFixture fixture, ITestOutputHelper output)
{
    [Theory]
    [InlineData("RESET ALL")]
    [InlineData("DISCARD ALL")]
    [InlineData("RESET TimeZone")]
    public async Task ResetAndABeginInOneWrite_TheBeginAnsweredOnTheServerLentAgain(string reset)
    {
        IReadOnlyList<KeyValuePair<string, string>> startup =
        [
            new("search_path", Conversation.Schema(0)), new("DateStyle", "SQL, MDY"), new("TimeZone", "Europe/Berlin"),
            new("options", "-c IntervalStyle=iso_8601 -c extra_float_digits=0"),
        ];
        await FixedConversations.AssertNoDivergenceAsync(fixture.Cluster, new Conversation(49037536, ConversationProfile.Transaction, PoolSize: 1, [startup],
        [
            new(0, [Frontend.Query(reset), Frontend.Query("BEGIN"), Frontend.Query("SHOW TimeZone")], SplitSeed: 0),
            new(0, [Frontend.Query("SELECT current_setting('IntervalStyle') AS i, current_setting('DateStyle') AS d"), Frontend.Query("COMMIT")], SplitSeed: 0),
            new(0, [Frontend.Query(reset), Frontend.Query("SELECT current_setting('extra_float_digits') AS efd")], SplitSeed: 0),
        ]), output, rounds: 3);
    }
}
