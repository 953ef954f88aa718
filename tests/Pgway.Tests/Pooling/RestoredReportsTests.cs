using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Pgway.Pooling;
using Pgway.Protocol;

namespace Pgway.Tests.Pooling;

// What a client is told at a RESET's ReadyForQuery once pgway put its start-up values back.
public sealed class RestoredReportsTests
{
    private static readonly Dictionary<string, string> Reported = new(StringComparer.OrdinalIgnoreCase)
    {
        ["application_name"] = "", ["DateStyle"] = "ISO, MDY", ["TimeZone"] = "Etc/UTC", ["IntervalStyle"] = "postgres",
    };

    [Fact]
    public void ReportedChanges_ToldInAnotherOrder_InPostgreSqlsOrder()
    {
        // Seed 2278: TimeZone came back from the server's own RESET, DateStyle from pgway afterwards.
        var told = new Dictionary<string, string?> { ["TimeZone"] = "UTC", ["DateStyle"] = "SQL, DMY" };
        var now = new Dictionary<string, string> { ["TimeZone"] = "Etc/UTC", ["DateStyle"] = "German, DMY" };

        var statuses = Statuses(RestoredReports(told, now));

        Assert.Equal(["DateStyle=German, DMY", "TimeZone=Etc/UTC"], statuses);
    }

    [Fact]
    public void ReportedChanges_Unchanged_OrUnreported_NotTold()
    {
        var told = new Dictionary<string, string?> { ["TimeZone"] = "Asia/Tokyo", ["search_path"] = "a", ["application_name"] = null };
        var now = new Dictionary<string, string> { ["TimeZone"] = "Asia/Tokyo", ["search_path"] = "b", ["application_name"] = "" };

        // application_name: never told since the greeting, whose value it has again.
        Assert.Empty(Statuses(RestoredReports(told, now)));
    }

    [Fact]
    public void WithStatuses_SetAndResetInOneRead_KeepsTheSetsReportReplacesTheResets()
    {
        // Seed 2195: the SET's report went with the RESET's, and the client never learnt of it.
        var read = Messages(w =>
        {
            BackendMessages.CommandComplete(w, "SET");
            BackendMessages.ParameterStatus(w, "TimeZone", "Pacific/Auckland");
            BackendMessages.ReadyForQuery(w, TransactionStatus.Idle);
            BackendMessages.CommandComplete(w, "RESET");
            BackendMessages.ParameterStatus(w, "DateStyle", "ISO, MDY");
            BackendMessages.ParameterStatus(w, "TimeZone", "Etc/UTC");
            BackendMessages.ReadyForQuery(w, TransactionStatus.Idle);
        });
        var ours = Messages(w => BackendMessages.ParameterStatus(w, "TimeZone", "America/New_York"));

        var output = ClientSessionWithStatuses(read, new RestoredSettings(ours, ReplaceReports: true));

        Assert.Equal(["C SET", "S TimeZone=Pacific/Auckland", "Z", "C RESET", "S TimeZone=America/New_York", "Z"], Describe(output));
    }

    [Fact]
    public void WithStatuses_ResetAnsweredInAnEarlierRead_ReplacesEveryReportOfThisOne()
    {
        var read = Messages(w =>
        {
            BackendMessages.ParameterStatus(w, "TimeZone", "Etc/UTC");
            BackendMessages.ReadyForQuery(w, TransactionStatus.Idle);
        });
        var ours = Messages(w => BackendMessages.ParameterStatus(w, "TimeZone", "America/New_York"));

        var output = ClientSessionWithStatuses(read, new RestoredSettings(ours, ReplaceReports: true));

        Assert.Equal(["S TimeZone=America/New_York", "Z"], Describe(output));
    }

    private static byte[] RestoredReports(Dictionary<string, string?> told, Dictionary<string, string> now) =>
        ClientSession.ReportedChanges(told, Reported, now, welcome: Reported);

    private static byte[] ClientSessionWithStatuses(byte[] read, RestoredSettings restored) =>
        ClientSession.WithStatuses(read, restored).ToArray();

    private static byte[] Messages(Action<ArrayBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }

    private static List<string> Statuses(byte[] messages) =>
        [.. Describe(messages).Select(m => m["S ".Length..])];

    private static List<string> Describe(byte[] messages)
    {
        var described = new List<string>();
        for (var at = 0; at < messages.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(messages.AsSpan(at + 1)) + 1;
            var body = messages.AsSpan(at + 5, length - 5);
            described.Add((char)messages[at] switch
            {
                'S' => "S " + Encoding.UTF8.GetString(body[..^1]).Replace('\0', '='),
                'C' => "C " + Encoding.UTF8.GetString(body[..^1]),
                var type => type.ToString(),
            });
            at += length;
        }
        return described;
    }
}
