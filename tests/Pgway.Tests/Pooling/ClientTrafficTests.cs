using System.Buffers;
using Pgway.Pooling;
using Pgway.Protocol;

namespace Pgway.Tests.Pooling;

/// <summary>What the pooler counts of a client's messages, whatever way they are cut into reads.</summary>
public sealed class ClientTrafficTests
{
    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(4)]
    public void Scan_QueryFunctionCallAndSync_EachAwaitsItsReadyForQuery(int readSize)
    {
        var traffic = new ClientTraffic();
        var bytes = Messages(w =>
        {
            FrontendMessages.Query(w, "SELECT 1");
            w.Write<byte>([(byte)'F', 0, 0, 0, 14, 0, 0, 10, 66, 0, 0, 0, 0, 0, 0]);
            FrontendMessages.Parse(w, "", "SELECT 2");
            FrontendMessages.Sync(w);
        });

        ScanInReads(traffic, bytes, readSize);

        Assert.Equal(3, traffic.Outstanding);
        Assert.False(traffic.BatchOpen);
        Assert.False(traffic.Terminated);
    }

    [Fact]
    public void Scan_LoneFlush_OpensNoBatch()
    {
        var traffic = new ClientTraffic();
        traffic.Scan([(byte)'H', 0, 0, 0, 4]);
        Assert.True(traffic.Idle);
    }

    [Fact]
    public void Scan_ParseWithoutSync_BatchOpenUntilTheSync()
    {
        var traffic = new ClientTraffic();
        traffic.Scan(Messages(w => FrontendMessages.Parse(w, "", "SELECT 1")));
        Assert.True(traffic.BatchOpen);
        traffic.Scan(Messages(FrontendMessages.Sync));
        Assert.False(traffic.BatchOpen);
        Assert.Equal(1, traffic.Outstanding);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(10)]
    public void Scan_QueryThenTerminate_TerminateAtTheEndOfTheQuery(int firstRead)
    {
        var query = Messages(w => FrontendMessages.Query(w, "INSERT INTO t VALUES (1)"));
        var bytes = query.Concat(Messages(FrontendMessages.Terminate)).ToArray();
        var traffic = new ClientTraffic();

        traffic.Scan(bytes.AsSpan(0, firstRead));
        traffic.Scan(bytes.AsSpan(firstRead));

        Assert.True(traffic.Terminated);
        Assert.Equal(query.Length - firstRead, traffic.TerminateAt);
        Assert.Equal(1, traffic.Outstanding);
    }

    [Fact]
    public void Scan_TerminateSplitAcrossReads_ItsStartIsInTheReadBefore()
    {
        var bytes = Messages(FrontendMessages.Terminate);
        var traffic = new ClientTraffic();

        traffic.Scan(bytes.AsSpan(0, 2));
        traffic.Scan(bytes.AsSpan(2));

        Assert.True(traffic.Terminated);
        Assert.Equal(-2, traffic.TerminateAt);
    }

    [Fact]
    public void ReadyForQuery_NoneAwaited_OutOfStep()
    {
        var client = new ClientTraffic();
        var server = new ServerTraffic(client, new Dictionary<string, string>());
        client.Scan(Messages(w => FrontendMessages.Query(w, "SELECT 1")));

        server.Scan([(byte)'Z', 0, 0, 0, 5, (byte)'I']);
        Assert.False(server.OutOfStep);
        Assert.Equal(0, client.Outstanding);

        server.Scan([(byte)'Z', 0, 0, 0, 5, (byte)'I']);
        Assert.True(server.OutOfStep);
    }

    [Fact]
    public void Scan_AfterTerminate_NothingMoreCounted()
    {
        var traffic = new ClientTraffic();
        var bytes = Messages(w =>
        {
            FrontendMessages.Terminate(w);
            FrontendMessages.Query(w, "SELECT 1");
            FrontendMessages.Sync(w);
        });

        traffic.Scan(bytes);

        Assert.True(traffic.Terminated);
        Assert.Equal(0, traffic.TerminateAt);
        Assert.Equal(0, traffic.Outstanding);
    }

    [Fact]
    public void Scan_FunctionCallInABatch_ClosesTheBatchAndAwaitsItsAnswer()
    {
        var traffic = new ClientTraffic();
        traffic.Scan(Messages(w => FrontendMessages.Parse(w, "", "SELECT 1")));
        Assert.True(traffic.BatchOpen);

        traffic.Scan([(byte)'F', 0, 0, 0, 14, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);

        Assert.False(traffic.BatchOpen);
        Assert.Equal(1, traffic.Outstanding);
    }

    [Fact]
    public void Scan_CopyMessages_OpenNoBatchAndAwaitNothing()
    {
        var traffic = new ClientTraffic();

        traffic.Scan([(byte)'d', 0, 0, 0, 6, (byte)'1', (byte)'\n', (byte)'c', 0, 0, 0, 4]);

        Assert.True(traffic.Idle);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Scan_StopAfterReset_TheRestWaitsForTheResetsAnswer(bool stop, bool scannedAll)
    {
        var reset = Messages(w => FrontendMessages.Query(w, "RESET ALL"));
        var bytes = reset.Concat(Messages(w => FrontendMessages.Query(w, "SHOW TimeZone"))).ToArray();
        var traffic = new ClientTraffic { StopAfterReset = stop };

        Assert.Null(traffic.Scan(bytes));

        Assert.Equal(scannedAll ? bytes.Length : reset.Length, traffic.Scanned);
        Assert.Equal(scannedAll ? 2 : 1, traffic.Outstanding);
    }

    [Fact]
    public void Scan_LengthBelowTheHeader_ErrorNamesIt()
    {
        var traffic = new ClientTraffic();

        Assert.NotNull(traffic.Scan([(byte)'Q', 0, 0, 0, 2]));
    }

    private static void ScanInReads(ClientTraffic traffic, byte[] bytes, int readSize)
    {
        for (var position = 0; position < bytes.Length; position += readSize)
        {
            Assert.Null(traffic.Scan(bytes.AsSpan(position, Math.Min(readSize, bytes.Length - position))));
        }
    }

    private static byte[] Messages(Action<ArrayBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }
}
