using Pgway.Differential.Generation;
using Pgway.Differential.Model;
using Pgway.Differential.Running;

namespace Pgway.Differential.Tests;

public sealed class PathRunTests
{
    [Fact]
    public void SchemasUsed_ShrunkToOneClientWhoseStartupNamesTheFourthSchema_ResetsUpToIt()
    {
        var seed = Enumerable.Range(1, 2000).First(s => ConversationGenerator.Generate(s).Startup is { Count: 4 } startup && startup[3].Any(p => p.Value.Contains("diff_c4", StringComparison.Ordinal)));
        var conversation = ConversationGenerator.Generate(seed);
        var lastClient = conversation with
        {
            Startup = [conversation.Startup[3]],
            Steps = [],
        };

        Assert.Equal(4, PathRun.SchemasUsed(lastClient));
        Assert.Equal(4, PathRun.SchemasUsed(conversation));
    }
}
