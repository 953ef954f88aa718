using Pgway.Differential.Generation;
using Pgway.Differential.Model;

namespace Pgway.Differential.Tests;

public sealed class ConversationGeneratorTests
{
    private static byte[] Bytes(Conversation conversation) =>
        [.. conversation.Steps.SelectMany(s => new[] { (byte)s.Client, (byte)(s.ReadAfter ? 1 : 0) }.Concat(s.Writes().SelectMany(w => w.Append((byte)'|'))))];

    [Theory]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(123456)]
    public void Generate_SameSeed_SameConversationToTheByte(int seed)
    {
        var first = ConversationGenerator.Generate(seed);
        var second = ConversationGenerator.Generate(seed);

        Assert.Equal(Bytes(first), Bytes(second));
        Assert.Equal(first.Describe(), second.Describe());
    }

    [Fact]
    public void Generate_DifferentSeeds_DifferentConversations()
    {
        var described = Enumerable.Range(1, 50).Select(seed => ConversationGenerator.Generate(seed).Describe()).ToHashSet();

        Assert.Equal(50, described.Count);
    }

    [Fact]
    public void Generate_ManySeeds_EveryFeatureAppears()
    {
        var conversations = Enumerable.Range(1, 300).Select(ConversationGenerator.Generate).ToList();
        var messages = conversations.SelectMany(c => c.Steps).SelectMany(s => s.Messages).ToList();

        foreach (var type in "QPBDECSHFdcfX")
        {
            Assert.Contains(messages, m => m.Type == type);
        }
        Assert.Contains(messages, m => m.Type == 'E' && m.Text.Contains("max", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Type == 'S' && m.Ready == 0);
        Assert.Contains(messages, m => m.Text.Contains("RAISE NOTICE", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Text.Contains("ALTER TABLE u RENAME", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Text.Contains("DISCARD ALL", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Text.Contains("SAVEPOINT", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Text.Contains("TO STDOUT", StringComparison.Ordinal));
        Assert.Contains(conversations.SelectMany(c => c.Steps), s => s.ServerCloses);
        Assert.Contains(conversations.SelectMany(c => c.Steps), s => !s.ReadAfter);
        Assert.Contains(conversations.SelectMany(c => c.Steps), s => s.Writes().Count > 1 && s.Writes()[0].Length < 5);
        Assert.Contains(conversations, c => c.Profile == ConversationProfile.Session);
        Assert.Contains(conversations.SelectMany(c => c.Steps), s => s.AfterOthers);
        Assert.Contains(conversations, c => c.Startup.Count == 4);
    }

    [Theory]
    [InlineData("TEMP TABLE")]
    [InlineData("LISTEN")]
    [InlineData("pg_advisory")]
    [InlineData("PREPARE q")]
    [InlineData("WITH HOLD")]
    [InlineData("SET search_path")]
    [InlineData("SET extra_float_digits")]
    public void Generate_TransactionProfile_NoSessionOnlyFeature(string feature)
    {
        var texts = Enumerable.Range(1, 300).Select(seed => ConversationGenerator.Generate(seed, ConversationProfile.Transaction))
            .SelectMany(c => c.Steps).SelectMany(s => s.Messages).Select(m => m.Text);

        Assert.DoesNotContain(texts, t => t.Contains(feature, StringComparison.Ordinal));
    }

    [Fact]
    public void Generate_SessionProfile_NeverWaitsForOthers()
    {
        var steps = Enumerable.Range(1, 200).Select(seed => ConversationGenerator.Generate(seed, ConversationProfile.Session)).SelectMany(c => c.Steps);

        Assert.DoesNotContain(steps, s => s.AfterOthers);
    }

    [Fact]
    public void Generate_TransactionProfile_NoNamedStatementParsedTwice()
    {
        foreach (var conversation in Enumerable.Range(1, 300).Select(seed => ConversationGenerator.Generate(seed, ConversationProfile.Transaction)))
        {
            for (var client = 0; client < conversation.Startup.Count; client++)
            {
                var names = conversation.Steps.Where(s => s.Client == client).SelectMany(s => s.Messages)
                    .Where(m => m.Type == 'P' && !m.Text.StartsWith("Parse \"\"", StringComparison.Ordinal)).Select(m => m.Text.Split(' ')[1]).ToList();
                Assert.Equal(names.Count, names.Distinct().Count());
            }
        }
    }

    [Fact]
    public void Generate_UnnamedStatementBoundAgain_OnlyWhenNoQuerySinceItsParse()
    {
        // PostgreSQL drops the unnamed statement when it runs a simple Query: a Bind of it after one
        // fails with 26000 and skips the rest of its batch, which the generator must know.
        foreach (var conversation in Enumerable.Range(1, 500).Select(ConversationGenerator.Generate))
        {
            for (var client = 0; client < conversation.Startup.Count; client++)
            {
                var parsed = false;
                foreach (var message in conversation.Steps.Where(s => s.Client == client).SelectMany(s => s.Messages))
                {
                    if (message.Type == 'Q')
                    {
                        parsed = false;
                    }
                    else if (message.Type == 'P' && message.Text.StartsWith("Parse \"\"", StringComparison.Ordinal))
                    {
                        parsed = true;
                    }
                    else if (message.Type == 'B' && System.Text.RegularExpressions.Regex.IsMatch(message.Text, "^Bind \"[^\"]*\" \"\""))
                    {
                        Assert.True(parsed, $"seed {conversation.Seed}: {message.Text} after a Query");
                    }
                }
            }
        }
    }

    [Fact]
    public void Generate_EveryStep_ReadyCountedForQuerySyncAndFunctionCall()
    {
        foreach (var step in Enumerable.Range(1, 300).SelectMany(seed => ConversationGenerator.Generate(seed).Steps))
        {
            foreach (var message in step.Messages)
            {
                var answered = message.Type is 'Q' or 'F' || (message.Type == 'S' && !message.Text.Contains("ignored", StringComparison.Ordinal));
                Assert.Equal(answered ? 1 : 0, message.Ready);
            }
        }
    }

    [Fact]
    public void Writes_Concatenated_AreTheMessages()
    {
        foreach (var step in Enumerable.Range(1, 100).SelectMany(seed => ConversationGenerator.Generate(seed).Steps))
        {
            Assert.Equal(step.Messages.SelectMany(m => m.Encode()), step.Writes().SelectMany(w => w));
        }
    }
}
