using System.Buffers;
using Pgway.Pooling;
using Pgway.Pooling.PreparedStatements;
using Pgway.Protocol;

namespace Pgway.Tests.Pooling;

/// <summary>
/// The requests a client has awaiting a ReadyForQuery, with a COPY FROM STDIN among them: the same
/// wherever the client's bytes are cut into reads. Inside COPY IN, PostgreSQL ignores Sync and Flush,
/// CopyDone and CopyFail end the COPY; the tracker takes the Syncs the COPY reads off the count
/// once the server's CopyInResponse is followed (as the session's pump does: scan, then filter).
/// </summary>
public sealed class CopyInAccountingTests
{
    private static readonly byte[] CopyInResponse = [(byte)'G', 0, 0, 0, 7, 0, 0, 0];
    private static readonly byte[] ParseComplete = [(byte)'1', 0, 0, 0, 4];
    private static readonly byte[] BindComplete = [(byte)'2', 0, 0, 0, 4];
    private static readonly byte[] Ready = [(byte)'Z', 0, 0, 0, 5, (byte)'I'];

    public static TheoryData<string> Sequences => new()
    {
        "extended, Sync inside, CopyDone, Sync, DISCARD ALL",
        "extended, Flush and Sync inside, CopyDone, Sync",
        "extended, two Syncs inside, CopyFail, Sync",
        "simple, Sync inside, CopyDone, Sync after",
        "simple, Flush inside, CopyFail",
    };

    [Theory]
    [MemberData(nameof(Sequences))]
    public void EveryCut_SameRequestsAwaitingAnswer_AsUncut(string name)
    {
        var (bytes, copyStartEnd, answers, awaited) = Sequence(name);
        var uncut = Run(bytes, bytes.Length, copyStartEnd, answers);
        Assert.Equal(awaited, uncut.AwaitedAfterCopyBegan);
        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var run = Run(bytes, cut, copyStartEnd, answers);
            Assert.True(awaited == run.AwaitedAfterCopyBegan, $"cut at byte {cut}: {run.AwaitedAfterCopyBegan} awaited, {awaited} uncut");
            Assert.True(run.AllAnswered, $"cut at byte {cut}: {run.Left} still awaited after every answer");
        }
    }

    private static (int AwaitedAfterCopyBegan, bool AllAnswered, int Left) Run(byte[] bytes, int cut, int copyStartEnd, byte[] answers)
    {
        var client = new ClientTraffic();
        var server = new ServerTraffic(client, new Dictionary<string, string>());
        var tracker = new ResponseTracker();
        var rewriter = new RequestRewriter(new StatementRegistry(), tracker, capacity: 0, mapNames: false, sharedServers: false);
        // As the session: a request the server will never answer comes off the count, and goes back on
        // when a ReadyForQuery answers a Sync a failed COPY had not read after all.
        tracker.RequestDropped = () => client.Outstanding--;
        tracker.RequestRestored = () => client.Outstanding++;
        server.Tracker = tracker;
        tracker.Reset(null);
        var output = new RentedBuffer();
        Send(client, rewriter, output, bytes[..cut]);
        // The server begins the COPY once it has the request that starts it.
        var began = cut >= copyStartEnd;
        if (began)
        {
            Answer(server, tracker, BeginAnswers(bytes));
        }
        Send(client, rewriter, output, bytes[cut..]);
        if (!began)
        {
            Answer(server, tracker, BeginAnswers(bytes));
        }
        var awaited = client.Outstanding;
        Answer(server, tracker, answers);
        return (awaited, client.Outstanding == 0 && !server.OutOfStep && !tracker.OutOfStep && tracker.Empty, client.Outstanding);
    }

    [Fact]
    public void SimpleCopy_SyncAfterTheBadRowAnswered_EveryCutCountsItBackAndNothingIsLeftMaybe()
    {
        // PostgreSQL fails the COPY at the bad row before it reads the Sync after it, and answers that
        // Sync: the COPY's error and its Query's ReadyForQuery, the Sync's, then the one after the COPY's.
        var w = new ArrayBufferWriter<byte>();
        FrontendMessages.Query(w, "COPY c FROM STDIN");
        var copyStartEnd = w.WrittenCount;
        CopyData(w, "x\n");
        FrontendMessages.Sync(w);
        w.Write<byte>([(byte)'c', 0, 0, 0, 4]);
        FrontendMessages.Query(w, "SELECT 1");
        var bytes = w.WrittenSpan.ToArray();
        var answers = new ArrayBufferWriter<byte>();
        answers.Write<byte>([(byte)'E', 0, 0, 0, 12, (byte)'C', .. "22P02"u8, 0, 0]);
        answers.Write(Ready);
        answers.Write(Ready);
        answers.Write<byte>([(byte)'C', 0, 0, 0, 13, .. "SELECT 1"u8, 0]);
        answers.Write(Ready);
        for (var cut = 1; cut <= bytes.Length; cut++)
        {
            var run = Run(bytes, cut, copyStartEnd, answers.WrittenSpan.ToArray());
            Assert.True(run.AllAnswered, $"cut at byte {cut}: {run.Left} still awaited after every answer, or out of step");
        }
    }

    [Fact]
    public void SimpleCopy_BadRowThenABatchWithoutCopyDone_TheBatchsSyncIsNotTheCopys()
    {
        // No CopyDone ever comes: PostgreSQL's COPY fails at the bad row (or, at the latest, at the Parse,
        // which a COPY does not take), so the batch's Sync after the Parse is an ordinary one. pgway took
        // it as the COPY's to ignore, and its ReadyForQuery, answered, as one it never expected.
        var w = new ArrayBufferWriter<byte>();
        FrontendMessages.Query(w, "COPY c FROM STDIN");
        var copyStartEnd = w.WrittenCount;
        CopyData(w, "x\n");
        FrontendMessages.Sync(w);
        FrontendMessages.Parse(w, "", "SELECT 1");
        FrontendMessages.Bind(w, "", []);
        FrontendMessages.Execute(w);
        FrontendMessages.Sync(w);
        var bytes = w.WrittenSpan.ToArray();
        var answers = new ArrayBufferWriter<byte>();
        answers.Write<byte>([(byte)'E', 0, 0, 0, 12, (byte)'C', .. "22P02"u8, 0, 0]);
        answers.Write(Ready);
        answers.Write(Ready);
        answers.Write(ParseComplete);
        answers.Write(BindComplete);
        answers.Write<byte>([(byte)'D', 0, 0, 0, 11, 0, 1, 0, 0, 0, 1, (byte)'1']);
        answers.Write<byte>([(byte)'C', 0, 0, 0, 13, .. "SELECT 1"u8, 0]);
        answers.Write(Ready);
        for (var cut = 1; cut <= bytes.Length; cut++)
        {
            var run = Run(bytes, cut, copyStartEnd, answers.WrittenSpan.ToArray());
            Assert.True(run.AllAnswered, $"cut at byte {cut}: {run.Left} still awaited after every answer, or out of step");
        }
    }

    private static void Send(ClientTraffic client, RequestRewriter rewriter, RentedBuffer output, byte[] read)
    {
        if (read.Length == 0)
        {
            return;
        }
        Assert.Null(client.Scan(read));
        rewriter.Rewrite(read, output);
        rewriter.Sent();
        output.Reset();
    }

    // What the server sends as the COPY begins: the completions of the Parse and Bind before it, if any.
    private static byte[] BeginAnswers(byte[] bytes) =>
        bytes[0] == (byte)'P' ? [.. ParseComplete, .. BindComplete, .. CopyInResponse] : CopyInResponse;

    private static void Answer(ServerTraffic server, ResponseTracker tracker, byte[] bytes)
    {
        Assert.Null(server.Scan(bytes));
        var buffer = new byte[bytes.Length + tracker.CarryLength];
        var carried = tracker.CarryLength;
        tracker.TakeCarry(buffer);
        bytes.CopyTo(buffer, carried);
        var output = new RentedBuffer();
        tracker.Filter(buffer, buffer.Length, output);
    }

    // The client's bytes; where the request that starts the COPY ends; the server's answers after the
    // COPY began; and how many requests await a ReadyForQuery once it began.
    private static (byte[] Bytes, int CopyStartEnd, byte[] Answers, int Awaited) Sequence(string name)
    {
        var w = new ArrayBufferWriter<byte>();
        var extended = name.StartsWith("extended", StringComparison.Ordinal);
        if (extended)
        {
            FrontendMessages.Parse(w, "", "COPY c FROM STDIN");
            FrontendMessages.Bind(w, "", []);
            FrontendMessages.Execute(w);
        }
        else
        {
            FrontendMessages.Query(w, "COPY c FROM STDIN");
        }
        var copyStartEnd = w.WrittenCount;
        CopyData(w, "1\n");
        if (name.Contains("Flush", StringComparison.Ordinal))
        {
            w.Write<byte>([(byte)'H', 0, 0, 0, 4]);
        }
        var inside = name.Contains("two Syncs", StringComparison.Ordinal) ? 2 : name.Contains("Sync inside", StringComparison.Ordinal) || name.Contains("and Sync", StringComparison.Ordinal) ? 1 : 0;
        for (var i = 0; i < inside; i++)
        {
            FrontendMessages.Sync(w);
            CopyData(w, "2\n");
        }
        var fails = name.Contains("CopyFail", StringComparison.Ordinal);
        if (fails)
        {
            w.Write<byte>([(byte)'f', 0, 0, 0, 8, (byte)'n', (byte)'o', (byte)'!', 0]);
        }
        else
        {
            w.Write<byte>([(byte)'c', 0, 0, 0, 4]);
        }
        var answers = new ArrayBufferWriter<byte>();
        answers.Write(fails
            ? [(byte)'E', 0, 0, 0, 12, (byte)'C', .. "57014"u8, 0, 0]
            : (ReadOnlySpan<byte>)[(byte)'C', 0, 0, 0, 11, .. "COPY 2"u8, 0]);
        // The batch's Sync (extended), or the Query's own ReadyForQuery and a Sync after the COPY (simple).
        answers.Write(Ready);
        var awaited = 1;
        if (extended)
        {
            FrontendMessages.Sync(w);
        }
        else if (name.Contains("Sync after", StringComparison.Ordinal))
        {
            FrontendMessages.Sync(w);
            answers.Write(Ready);
            awaited++;
        }
        if (name.Contains("DISCARD ALL", StringComparison.Ordinal))
        {
            FrontendMessages.Query(w, "DISCARD ALL");
            answers.Write<byte>([(byte)'C', 0, 0, 0, 16, .. "DISCARD ALL"u8, 0]);
            answers.Write(Ready);
            awaited++;
        }
        return (w.WrittenSpan.ToArray(), copyStartEnd, answers.WrittenSpan.ToArray(), awaited);
    }

    private static void CopyData(ArrayBufferWriter<byte> w, string text)
    {
        w.Write<byte>([(byte)'d', 0, 0, 0, (byte)(4 + text.Length)]);
        w.Write(System.Text.Encoding.ASCII.GetBytes(text));
    }
}
