using Pgway.Differential.Comparing;
using Pgway.Differential.Running;
using Pgway.Differential.Wire;

namespace Pgway.Differential.Tests;

public sealed class TranscriptNormaliserTests
{
    private static ClientTranscript Transcript(IEnumerable<BackendMessage> greeting, IEnumerable<BackendMessage> messages, string? end = null)
    {
        var transcript = new ClientTranscript { End = end };
        transcript.Greeting.AddRange(greeting);
        transcript.Messages.AddRange(messages);
        return transcript;
    }

    private static readonly BackendMessage[] Greeting = [Backend.Parameter("DateStyle", "ISO, MDY"), Backend.Key(1, 2), Backend.Ready()];

    public static TheoryData<string, BackendMessage[], string[]> Cases => new()
    {
        { "BackendKeyData is left out", [Backend.Key(42, 7), Backend.Ready()], ["ReadyForQuery I"] },
        { "a ParameterStatus repeating the known value is left out", [Backend.Parameter("DateStyle", "ISO, MDY"), Backend.Ready()], ["ReadyForQuery I"] },
        { "a ParameterStatus with a new value stays", [Backend.Parameter("DateStyle", "German, DMY"), Backend.Ready()], ["ParameterStatus DateStyle=\"German, DMY\"", "ReadyForQuery I"] },
        { "a parameter the greeting did not report stays", [Backend.Parameter("search_path", "a"), Backend.Parameter("search_path", "a")], ["ParameterStatus search_path=\"a\""] },
        { "pgway's server-side statement name", [Backend.Error("26000", "prepared statement \"pgway_12\" does not exist")], ["ErrorResponse S:\"ERROR\" V:\"ERROR\" C:\"26000\" M:\"prepared statement \\\"…\\\" does not exist\""] },
        { "the client's statement name", [Backend.Error("26000", "prepared statement \"s1\" does not exist")], ["ErrorResponse S:\"ERROR\" V:\"ERROR\" C:\"26000\" M:\"prepared statement \\\"…\\\" does not exist\""] },
        { "other errors are kept whole", [Backend.Error("22012", "division by zero")], ["ErrorResponse S:\"ERROR\" V:\"ERROR\" C:\"22012\" M:\"division by zero\""] },
        { "the notifying PID is left out", [Backend.Notification(4242, "ch", "hi")], ["NotificationResponse (pid) ch \"hi\""] },
        { "table OIDs are left out", [Backend.Row("b", 16384)], ["RowDescription [b:25/-1/-1#1]"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Lines_Case_Normalised(string why, BackendMessage[] messages, string[] expected)
    {
        var lines = TranscriptNormaliser.Lines(Transcript(Greeting, messages));

        Assert.True(expected.SequenceEqual(lines), $"{why}: got [{string.Join(" | ", lines)}]");
    }

    [Fact]
    public void Lines_TwoRunsDifferingOnlyInPidsAndOids_Equal()
    {
        var first = Transcript([Backend.Parameter("TimeZone", "UTC"), Backend.Key(100, 1), Backend.Ready()], [Backend.Row("b", 16384), Backend.Notification(100, "ch", ""), Backend.Ready()]);
        var second = Transcript([Backend.Parameter("TimeZone", "UTC"), Backend.Key(200, 9), Backend.Ready()], [Backend.Row("b", 16999), Backend.Notification(200, "ch", ""), Backend.Ready()]);

        Assert.Equal(TranscriptNormaliser.Lines(first), TranscriptNormaliser.Lines(second));
    }

    [Fact]
    public void Lines_EndOfSession_IsALine()
    {
        var lines = TranscriptNormaliser.Lines(Transcript(Greeting, [Backend.Error("57P01", "terminating connection due to administrator command", "FATAL")], "the server closed the connection"));

        Assert.Equal("-- the server closed the connection", lines[^1]);
    }

    [Fact]
    public void Lines_ErrorInTheGreeting_IsCompared()
    {
        var lines = TranscriptNormaliser.Lines(Transcript([Backend.Error("0A000", "unsupported startup parameter", "FATAL")], [], "FATAL in the greeting"));

        Assert.StartsWith("greeting: ErrorResponse", lines[0], StringComparison.Ordinal);
    }
}
