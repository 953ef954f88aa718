using Pgway.Differential.Model;
using Pgway.Differential.Wire;
using Pgway.IntegrationTests.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Differential;

/// <summary>
/// Issue 17's ParameterStatus divergences, as fixed conversations run directly and through every
/// pooled path (node pooler in transaction and session mode, a <c>dest: pool</c> service, an L4
/// service): a client must be told the same parameters, in the same order, as by PostgreSQL.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class ParameterStatusDifferentialTests(PgTestClusterFixture fixture, ITestOutputHelper output)
{
    private static ConversationStep Step(int client, string sql, bool readAfter = true) =>
        new(client, [Frontend.Query(sql)], SplitSeed: 0, ReadAfter: readAfter);

    [Fact]
    public async Task ResetAll_SeveralParametersBack_ToldInPostgreSqlsOrder()
    {
        // Seed 2278: after RESET ALL PostgreSQL 15 reports DateStyle, then TimeZone (its GUC table's
        // order); pgway reported the server's own TimeZone first, then the DateStyle it put back.
        var conversation = new Conversation(2278, ConversationProfile.Transaction, PoolSize: 1,
            [[new("DateStyle", "German")]],
            [
                Step(0, "SELECT set_config('DateStyle', 'SQL, DMY', false) AS ds"),
                Step(0, "SET TimeZone = 'UTC'"),
                Step(0, "RESET ALL"),
                Step(0, "SET application_name = 'renamed'"),
                Step(0, "SET TimeZone = 'Europe/Berlin'"),
                Step(0, "SET IntervalStyle = iso_8601"),
                Step(0, "DISCARD ALL"),
            ]);
        await RunAsync(conversation);
    }

    [Fact]
    public async Task SetThenResetAll_AnsweredInOneRead_ToldBoth()
    {
        // Seed 2195: the SET's report came in one read with the RESET's answer, and pgway took every
        // TimeZone report of that read out (not only the RESET's), so the client never learnt of the
        // SET; the start-up value told after the RESET then repeated what the client knew. Two clients
        // share one server, on the second run with what the first left on the dest: pool service's.
        var conversation = new Conversation(2195, ConversationProfile.Transaction, PoolSize: 1,
            [[new("TimeZone", "America/New_York")], [new("TimeZone", "Pacific/Auckland")]],
            [
                Step(1, "SELECT 1"),
                Step(0, "SET TimeZone = 'Pacific/Auckland'", readAfter: false),
                Step(0, "RESET ALL"),
                Step(1, "SET TimeZone = 'Europe/Berlin'"),
                Step(0, "SET TimeZone = 'Europe/Berlin'"),
                Step(0, "SELECT 2"),
                Step(1, "RESET TimeZone"),
                Step(0, "RESET ALL"),
                Step(1, "DISCARD ALL"),
                Step(0, "SET TimeZone = 'Pacific/Auckland'", readAfter: false),
                Step(0, "RESET ALL", readAfter: false),
                Step(0, "SELECT 3"),
            ]);
        await RunAsync(conversation);
    }

    private Task RunAsync(Conversation conversation) =>
        // Twice: the second run's dest: pool service lends the server the first run left behind.
        FixedConversations.AssertNoDivergenceAsync(fixture.Cluster, conversation, output, rounds: 2);
}
