using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Pgway.Pooling.PreparedStatements;
using Pgway.Protocol;

namespace Pgway.Tests.Pooling.PreparedStatements;

/// <summary>
/// What one client's named statements may hold (pgway_max_client_prepared_statements and
/// pgway_max_client_prepared_bytes), each definition stored and counted once, and all of it given
/// back when the client leaves.
/// </summary>
public sealed class StatementLimitTests
{
    private readonly StatementRegistry registry = new();
    private readonly ResponseTracker tracker = new();

    private RequestRewriter NewRewriter(int maxNames = 0, long maxBytes = 0)
    {
        var rewriter = new RequestRewriter(registry, tracker, capacity: 100, limits: new ClientStatementLimits(maxNames, maxBytes));
        tracker.Reset(rewriter.NewServerCache());
        return rewriter;
    }

    [Fact]
    public void Parse_PastMaxNames_FailsOnTheServerWith54000NamingTheSetting()
    {
        var rewriter = NewRewriter(maxNames: 2);
        Parse(rewriter, "a", "SELECT 1");
        Parse(rewriter, "b", "SELECT 2");

        var sent = Rewrite(rewriter, Messages(w => { FrontendMessages.Parse(w, "c", "SELECT 3"); FrontendMessages.Sync(w); }));

        // A Describe of a statement no server has fails there in the Parse's place: the batch is skipped to its Sync.
        Assert.Equal("D S", Types(sent));
        var answer = Filter(Error("26000"), Backend("Z"));
        var error = ErrorFields(answer);
        Assert.Equal("54000", error['C']);
        Assert.Contains("pgway_max_client_prepared_statements 2", error['M'], StringComparison.Ordinal);
        Assert.Equal(2, rewriter.Count);
    }

    [Fact]
    public void Parse_AnotherNameForTheSameText_DefinitionStoredAndCountedOnce()
    {
        var text = $"SELECT '{new string('x', 1000)}'";
        var rewriter = NewRewriter(maxBytes: 1500);
        Parse(rewriter, "a", text);

        foreach (var name in (string[])["b", "c", "d"])
        {
            var sent = Rewrite(rewriter, Messages(w => { FrontendMessages.Parse(w, name, text); FrontendMessages.Sync(w); }));
            // Parsed afresh on the server, under the one server name.
            Assert.Equal("C P D S", Types(sent));
            Filter(Backend("3", "1", "t", "n", "Z"));
        }

        Assert.Equal(4, rewriter.Count);
        Assert.Equal(1, registry.Count);
        Assert.InRange(registry.DefinitionBytes, text.Length, text.Length + 8);
        Assert.InRange(rewriter.HeldBytes, text.Length + 4, text.Length + 16);
    }

    [Fact]
    public void Parse_PastMaxBytes_Refused54000ThenAcceptedOnceOneIsClosed()
    {
        var rewriter = NewRewriter(maxBytes: 1500);
        Parse(rewriter, "a", $"SELECT '{new string('a', 1000)}'");

        var sent = Rewrite(rewriter, Messages(w => { FrontendMessages.Parse(w, "b", $"SELECT '{new string('b', 1000)}'"); FrontendMessages.Sync(w); }));

        Assert.Equal("D S", Types(sent));
        var error = ErrorFields(Filter(Error("26000"), Backend("Z")));
        Assert.Equal("54000", error['C']);
        Assert.Contains("pgway_max_client_prepared_bytes 1500", error['M'], StringComparison.Ordinal);
        Assert.Equal(1, registry.Count);

        Assert.Equal("C S", Types(Rewrite(rewriter, Messages(w => { Named(w, 'C', "a"); FrontendMessages.Sync(w); }))));
        Filter(Backend("3", "Z"));
        Assert.True(tracker.Empty);
        Parse(rewriter, "b", $"SELECT '{new string('b', 1000)}'");
        Assert.Equal(1, rewriter.Count);
    }

    [Fact]
    public void Dispose_CloseNotAnsweredYet_EveryReferenceTheClientHeldGoes()
    {
        var rewriter = NewRewriter();
        Parse(rewriter, "a", "SELECT 1");
        Parse(rewriter, "b", "SELECT 2");
        // The server's cache holds its own references: it is cleared, as when the server closes.
        Rewrite(rewriter, Messages(w => { Named(w, 'C', "a"); w.Write<byte>([(byte)'H', 0, 0, 0, 4]); }));

        rewriter.Dispose();
        tracker.Server!.Clear();

        Assert.Equal(0, registry.Count);
    }

    // A named Parse the server answers: the client holds the name.
    private void Parse(RequestRewriter rewriter, string name, string sql)
    {
        var sent = Rewrite(rewriter, Messages(w => { FrontendMessages.Parse(w, name, sql); FrontendMessages.Sync(w); }));
        Assert.Equal("P D S", Types(sent));
        Filter(Backend("1", "t", "n", "Z"));
    }

    private static byte[] Rewrite(RequestRewriter rewriter, byte[] client)
    {
        var output = new RentedBuffer();
        var sent = rewriter.Rewrite(client, output).ToArray();
        rewriter.Sent();
        output.Reset();
        return sent;
    }

    private byte[] Filter(params byte[][] server)
    {
        byte[] all = [.. server.SelectMany(s => s)];
        var buffer = new byte[all.Length + 16];
        all.CopyTo(buffer, 0);
        var output = new RentedBuffer();
        var client = tracker.Filter(buffer, all.Length, output).ToArray();
        output.Reset();
        return client;
    }

    private static void Named(ArrayBufferWriter<byte> w, char type, string name)
    {
        var body = Encoding.UTF8.GetBytes($"S{name}\0");
        w.Write<byte>([(byte)type, .. BigEndian(4 + body.Length), .. body]);
    }

    private static byte[] Messages(Action<ArrayBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }

    private static byte[] Backend(params string[] types)
    {
        var output = new List<byte>();
        foreach (var type in types)
        {
            byte[] body = type == "Z" ? "I"u8.ToArray() : [];
            output.Add((byte)type[0]);
            output.AddRange(BigEndian(4 + body.Length));
            output.AddRange(body);
        }
        return [.. output];
    }

    private static byte[] Error(string sqlState)
    {
        var body = Encoding.UTF8.GetBytes($"SERROR\0C{sqlState}\0Mprepared statement does not exist\0\0");
        return [(byte)'E', .. BigEndian(4 + body.Length), .. body];
    }

    private static Dictionary<char, string> ErrorFields(byte[] stream)
    {
        Assert.Equal((byte)'E', stream[0]);
        var length = BinaryPrimitives.ReadInt32BigEndian(stream.AsSpan(1));
        Assert.True(ErrorResponseReader.TryRead(stream.AsSpan(5, length - 4), out var fields));
        return fields;
    }

    private static byte[] BigEndian(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static string Types(byte[] stream)
    {
        var types = new List<string>();
        for (var position = 0; position < stream.Length;)
        {
            types.Add(((char)stream[position]).ToString());
            position += 1 + BinaryPrimitives.ReadInt32BigEndian(stream.AsSpan(position + 1));
        }
        return string.Join(' ', types);
    }
}
