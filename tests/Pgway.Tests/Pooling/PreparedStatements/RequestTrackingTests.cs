using System.Buffers;
using Pgway.Pooling.PreparedStatements;
using Pgway.Protocol;

namespace Pgway.Tests.Pooling.PreparedStatements;

/// <summary>
/// Which of a client's requests the server will answer with a ReadyForQuery: PostgreSQL skips a
/// Query or FunctionCall after an error in a batch, and a COPY FROM STDIN reads the Syncs sent
/// before its end as its own.
/// </summary>
public sealed class RequestTrackingTests
{
    private readonly ResponseTracker tracker = new();
    private readonly RequestRewriter rewriter;
    private readonly RentedBuffer output = new();
    private int dropped;

    public RequestTrackingTests()
    {
        rewriter = new RequestRewriter(new StatementRegistry(), tracker, capacity: 0, mapNames: false, sharedServers: false);
        tracker.RequestDropped = () => dropped++;
        tracker.Reset(null);
    }

    [Fact]
    public void CopyFromStdin_SyncsBeforeCopyDoneArePipelined_OnlyTheSyncAfterItIsAnswered()
    {
        Send(w =>
        {
            FrontendMessages.Query(w, "COPY t FROM STDIN");
            FrontendMessages.Sync(w);
            w.Write<byte>([(byte)'d', 0, 0, 0, 6, (byte)'1', (byte)'\n']);
            w.Write<byte>([(byte)'c', 0, 0, 0, 4]);
            FrontendMessages.Sync(w);
        });

        Answer([(byte)'G', 0, 0, 0, 7, 0, 0, 0]);
        Assert.Equal(1, dropped);
        Answer([(byte)'C', 0, 0, 0, 11, .. "COPY 1\0"u8, (byte)'Z', 0, 0, 0, 5, (byte)'I', (byte)'Z', 0, 0, 0, 5, (byte)'I']);
        Assert.True(tracker.Empty);
    }

    [Fact]
    public void SyncAfterCopyInBegan_BeforeCopyDone_IsTheCopys()
    {
        Send(w => FrontendMessages.Query(w, "COPY t FROM STDIN"));
        Answer([(byte)'G', 0, 0, 0, 7, 0, 0, 0]);
        Send(FrontendMessages.Sync);
        Assert.Equal(1, dropped);
        Send(w => w.Write<byte>([(byte)'c', 0, 0, 0, 4]));
        Send(FrontendMessages.Sync);
        Assert.Equal(1, dropped);
    }

    [Fact]
    public void ErrorInABatch_QueryBeforeItsSync_NeverAnswered()
    {
        Send(w =>
        {
            FrontendMessages.Parse(w, "", "SELEKT");
            FrontendMessages.Query(w, "SELECT 1");
            FrontendMessages.Sync(w);
        });

        Answer([(byte)'E', 0, 0, 0, 12, (byte)'C', .. "42601\0"u8, 0]);
        Assert.Equal(1, dropped);
        Answer([(byte)'Z', 0, 0, 0, 5, (byte)'I']);
        Assert.True(tracker.Empty);
    }

    private void Send(Action<ArrayBufferWriter<byte>> write)
    {
        var bytes = new ArrayBufferWriter<byte>();
        write(bytes);
        rewriter.Rewrite(bytes.WrittenMemory, output);
        rewriter.Sent();
        output.Reset();
    }

    private void Answer(byte[] bytes)
    {
        var buffer = new byte[bytes.Length + tracker.CarryLength];
        var carried = tracker.CarryLength;
        tracker.TakeCarry(buffer);
        bytes.CopyTo(buffer, carried);
        tracker.Filter(buffer, buffer.Length, output);
        output.Reset();
    }
}
