using Pgway.Differential.Comparing;
using Pgway.Differential.Running;
using Pgway.Differential.Wire;

namespace Pgway.Differential.Tests;

public sealed class TranscriptComparerTests
{
    private static ClientTranscript Transcript(BackendMessage[] greeting, BackendMessage[] messages, string? end = null)
    {
        var transcript = new ClientTranscript { End = end };
        transcript.Greeting.AddRange(greeting);
        transcript.Messages.AddRange(messages);
        return transcript;
    }

    private static readonly BackendMessage[] Greeting = [Backend.Parameter("DateStyle", "German, DMY"), Backend.Parameter("in_hot_standby", "off"), Backend.Ready()];

    public static TheoryData<string, BackendMessage[], string?, BackendMessage[], string?, int?> Cases => new()
    {
        // why, PostgreSQL's messages and end, the path's messages and end, the first differing line (null: none)
        { "the same", [Backend.Complete("SELECT 1"), Backend.Ready()], null, [Backend.Complete("SELECT 1"), Backend.Ready()], null, null },
        { "another client's rows", [Backend.Complete("SELECT 1"), Backend.Ready()], null, [Backend.Complete("SELECT 2"), Backend.Ready()], null, 0 },
        { "an answer missing (dropped write)", [Backend.Complete("INSERT 0 1"), Backend.Ready()], "the server closed the connection", [], "the server closed the connection", 0 },
        { "a stray ReadyForQuery", [Backend.Ready()], null, [Backend.Ready(), Backend.Ready()], null, 1 },
        { "a hang", [Backend.Complete("SELECT 1"), Backend.Ready()], null, [Backend.Complete("SELECT 1")], "client got no answer within 5 s", 1 },
        { "a second FATAL", [Backend.Error("57P01", "terminating", "FATAL")], "the server closed the connection", [Backend.Error("57P01", "terminating", "FATAL"), Backend.Error("08006", "server closed", "FATAL")], "the server closed the connection", 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compare_Case_FirstDifference(string why, BackendMessage[] direct, string? directEnd, BackendMessage[] through, string? throughEnd, int? at)
    {
        var differences = TranscriptComparer.Compare([Transcript(Greeting, direct, directEnd)], [Transcript(Greeting, through, throughEnd)]);

        if (at is null)
        {
            Assert.True(differences.Count == 0, why);
        }
        else
        {
            Assert.True(differences.Count == 1, why);
            Assert.Equal(at, differences[0].Index);
        }
    }

    [Fact]
    public void Compare_GreetingValueDiffers_Divergence()
    {
        var through = Transcript([Backend.Parameter("DateStyle", "German"), Backend.Ready()], [Backend.Ready()]);

        var difference = Assert.Single(TranscriptComparer.Compare([Transcript(Greeting, [Backend.Ready()])], [through]));

        Assert.Equal("greeting ParameterStatus DateStyle=German, DMY", difference.Expected);
        Assert.Equal("greeting ParameterStatus DateStyle=German", difference.Actual);
    }

    [Fact]
    public void Compare_GreetingReportsOtherParameters_NotedNotDivergent()
    {
        var direct = Transcript(Greeting, [Backend.Ready()]);
        var through = Transcript([Backend.Parameter("DateStyle", "German, DMY"), Backend.Parameter("pgway_only", "1"), Backend.Ready()], [Backend.Ready()]);

        Assert.Empty(TranscriptComparer.Compare([direct], [through]));
        Assert.Equal(["only PostgreSQL's greeting reports in_hot_standby", "only pgway's greeting reports pgway_only"], TranscriptComparer.GreetingNotes(direct, through));
    }

    [Theory]
    [InlineData("ErrorResponse S:\"ERROR\" V:\"ERROR\" C:\"0A000\" M:\"cached plan must not change result type\"", "DataRow [\"1\"]", "ErrorResponse 0A000 / DataRow")]
    [InlineData("ReadyForQuery I", "-- client got no answer within 5 s", "answers missing, then hang")]
    [InlineData("ParseComplete", "-- the server closed the connection", "answers missing, then closed")]
    [InlineData("-- the server closed the connection", "ErrorResponse S:\"FATAL\" V:\"FATAL\" C:\"08006\" M:\"lost\"", "closed / ErrorResponse 08006")]
    [InlineData(null, "ReadyForQuery I", "(end) / ReadyForQuery")]
    public void Kind_Lines_GroupedByTypeAndSqlState(string? expected, string? actual, string kind) =>
        Assert.Equal(kind, new Difference(0, 0, expected, actual, "").Kind);
}
