using Pgway.Differential.Model;
using Pgway.Differential.Running;
using Pgway.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Differential;

/// <summary>
/// Runs one written-out conversation (a regression's shrunk repro) directly and through every pgway
/// path, and fails on any divergence, each printed with both sides' answers.
/// </summary>
internal static class FixedConversations
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    /// <summary>A client's start-up parameters: its own schema (<see cref="Conversation.Schema"/>), and more <c>-c</c> settings if given.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Client(int schema, string moreOptions = "") =>
        [new("application_name", "diff"), new("options", $"-c search_path={Conversation.Schema(schema)}{(moreOptions.Length > 0 ? " " + moreOptions : "")}")];

    /// <param name="rounds">Runs of the same conversation on one environment: a later round's pools lend the servers an earlier one left.</param>
    public static async Task AssertNoDivergenceAsync(PgTestCluster cluster, Conversation conversation, ITestOutputHelper output, int rounds = 1)
    {
        using var bound = new CancellationTokenSource(Bound);
        await using var environment = await DifferentialEnvironment.StartAsync(cluster, bound.Token);
        var options = new RunnerOptions(DifferentialEnvironment.User, environment.Password, DifferentialEnvironment.Database,
            ReadTimeout: TimeSpan.FromSeconds(10), TurnPatience: TimeSpan.FromMilliseconds(100));
        var tester = new DifferentialTester(new PathRun(environment, options), shrinkBudget: TimeSpan.Zero, shrinkRuns: 0);
        for (var round = 0; round < rounds; round++)
        {
            var result = await tester.RunAsync(conversation, bound.Token);
            Assert.Null(result.OracleProblem);
            foreach (var divergence in result.Divergences)
            {
                output.WriteLine(divergence.Report());
            }
            Assert.True(result.Divergences.Count == 0, string.Join('\n', result.Divergences.Select(d => $"{d.Path}: {d.First.Summary}")));
        }
    }
}
