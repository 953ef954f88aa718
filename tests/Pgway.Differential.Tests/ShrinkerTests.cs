using Pgway.Differential.Generation;
using Pgway.Differential.Model;
using Pgway.Differential.Shrinking;

namespace Pgway.Differential.Tests;

public sealed class ShrinkerTests
{
    private static Conversation WithFunctionCall()
    {
        var seed = Enumerable.Range(1, 500).First(s =>
        {
            var c = ConversationGenerator.Generate(s);
            return c.Startup.Count > 1 && c.Steps.Count > 6 && c.Steps.Any(step => step.Messages.Any(m => m.Type == 'F'));
        });
        return ConversationGenerator.Generate(seed);
    }

    [Fact]
    public async Task Shrink_DivergenceNeedsOneMessage_LeavesOneClientOneStepOneMessage()
    {
        var conversation = WithFunctionCall();
        var shrinker = new Shrinker((c, _) => Task.FromResult(c.Steps.Any(s => s.Messages.Any(m => m.Type == 'F'))), TimeSpan.FromSeconds(30), 10_000);

        var minimal = await shrinker.ShrinkAsync(conversation, CancellationToken.None);

        Assert.Single(minimal.Startup);
        var step = Assert.Single(minimal.Steps);
        Assert.Equal('F', Assert.Single(step.Messages).Type);
        Assert.Equal(0, step.SplitSeed);
        Assert.Equal(0, step.Client);
    }

    [Fact]
    public async Task Shrink_RunBudgetSpent_StopsWithWhatItHas()
    {
        var conversation = WithFunctionCall();
        var runs = 0;
        var shrinker = new Shrinker((_, _) => Task.FromResult(++runs > 0), TimeSpan.FromSeconds(30), 3);

        await shrinker.ShrinkAsync(conversation, CancellationToken.None);

        Assert.Equal(3, runs);
    }

    [Fact]
    public void Candidates_WithoutAClient_RenumbersTheOthers()
    {
        var conversation = WithFunctionCall();

        var first = Shrinker.Candidates(conversation).First();

        Assert.Equal(conversation.Startup.Count - 1, first.Startup.Count);
        Assert.All(first.Steps, s => Assert.InRange(s.Client, 0, first.Startup.Count - 1));
        Assert.Equal(conversation.Startup[1], first.Startup[0]);
    }
}
