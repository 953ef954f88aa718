using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Pgway.Pooling.PreparedStatements;
using Pgway.Protocol;

namespace Pgway.Tests.Pooling.PreparedStatements;

/// <summary>
/// The client's messages rewritten for a server and the server's answers filtered for the client,
/// whatever way the bytes are cut into reads.
/// </summary>
public sealed class StatementMappingTests
{
    private readonly StatementRegistry registry = new("pgway_");
    private readonly ResponseTracker tracker = new();
    private RequestRewriter rewriter;

    public StatementMappingTests()
    {
        rewriter = new RequestRewriter(registry, tracker, capacity: 2);
        tracker.Reset(rewriter.NewServerCache());
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void Rewrite_NamedParseBindExecuteSync_ServerNameInEveryMessageWhateverTheReads(int readSize)
    {
        var client = Messages(w =>
        {
            FrontendMessages.Parse(w, "mine", "SELECT $1::int");
            FrontendMessages.Bind(w, "mine", ["7"]);
            FrontendMessages.Execute(w);
            FrontendMessages.Sync(w);
        });

        var server = Types(RewriteInReads(client, readSize), out var names);

        Assert.Equal("P D B E S", server);
        Assert.Equal(["pgway_1", "pgway_1"], names);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(200)]
    [InlineData(30_000)]
    public void Rewrite_NamesShortAndLongAndMultiByte_FoundOnBind(int repeat)
    {
        // Past the few characters decoded on the stack, a name is decoded into a rented array: found all the same.
        var name = string.Concat(Enumerable.Repeat("é", repeat));
        var client = Messages(w =>
        {
            FrontendMessages.Parse(w, name, "SELECT $1::int");
            FrontendMessages.Bind(w, name, ["7"]);
            FrontendMessages.Execute(w);
            FrontendMessages.Sync(w);
        });

        var server = Types(RewriteInReads(client, int.MaxValue), out var names);

        Assert.Equal("P D B E S", server);
        Assert.Equal(["pgway_1", "pgway_1"], names);
    }

    [Fact]
    public void Rewrite_UnnamedStatements_ForwardedAsTheyAre()
    {
        var client = Messages(w =>
        {
            FrontendMessages.Parse(w, "", "SELECT 1");
            FrontendMessages.Bind(w, "", []);
            FrontendMessages.Execute(w);
            FrontendMessages.Sync(w);
        });
        var output = new RentedBuffer();

        var forwarded = rewriter.Rewrite(client, output);

        Assert.Equal(client, forwarded.ToArray());
        Assert.Equal(0, output.Length);
    }

    [Fact]
    public void Rewrite_LongUnnamedParseInManyReads_EachReadForwardedAtOnce()
    {
        var client = Messages(w =>
        {
            FrontendMessages.Parse(w, "", $"SELECT '{new string('x', 100_000)}'");
            FrontendMessages.Sync(w);
        });

        var forwarded = 0;
        for (var start = 0; start < client.Length; start += 8192)
        {
            var read = client.AsMemory(start, Math.Min(8192, client.Length - start));
            var output = new RentedBuffer();
            var sent = rewriter.Rewrite(read, output);
            rewriter.Sent();
            // Nothing held back beyond the first header's bytes: the query text is not buffered.
            Assert.Equal(read.Length, sent.Length);
            forwarded += sent.Length;
        }

        Assert.Equal(client.Length, forwarded);
    }

    [Fact]
    public void Rewrite_ParseTheServerHasAlready_ClosedAndParsedAgainThere()
    {
        RewriteInReads(Messages(w => { FrontendMessages.Parse(w, "a", "SELECT 1"); FrontendMessages.Sync(w); }), int.MaxValue);
        Filter(Backend("1", "t", "n", "Z"));

        // Another client name for the same query, on the same server: PostgreSQL parses it afresh.
        var second = RewriteInReads(Messages(w => { FrontendMessages.Parse(w, "b", "SELECT 1"); FrontendMessages.Sync(w); }), int.MaxValue);

        Assert.Equal("C P D S", Types(second, out var names));
        Assert.Equal(["pgway_1"], names);
        Assert.Equal("1 Z", BackendTypes(Filter(Backend("3", "1", "t", "n", "Z"))));
        Assert.True(tracker.Empty);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(4)]
    public void Filter_ParseCompleteOfAParsePgwaySent_TakenOutWhateverTheReads(int readSize)
    {
        // On a fresh server the client's Bind needs its statement prepared there first.
        RewriteInReads(Messages(w => { FrontendMessages.Parse(w, "a", "SELECT 1"); FrontendMessages.Sync(w); }), int.MaxValue);
        // The result type the statement had when parsed (NoData), recorded by pgway's own Describe.
        Assert.Equal("1 Z", BackendTypes(Filter(Backend("1", "t", "n", "Z"))));
        tracker.Reset(rewriter.NewServerCache());
        var sent = RewriteInReads(Messages(w => { FrontendMessages.Bind(w, "a", []); FrontendMessages.Execute(w); FrontendMessages.Sync(w); }), int.MaxValue);
        // Prepared there and described, compared before the Bind goes.
        Assert.Equal("P D H", Types(sent, out _));
        Assert.True(rewriter.AwaitingLearn);
        Assert.Empty(FilterInReads(Backend("1", "t", "n"), readSize));
        rewriter.AwaitingLearn = false;
        var output = new RentedBuffer();
        Assert.Equal("B E S", Types(rewriter.Rewrite(ReadOnlyMemory<byte>.Empty, output).ToArray(), out _));
        rewriter.Sent();

        var client = FilterInReads(Backend("2", "C", "Z"), readSize);

        Assert.Equal("2 C Z", BackendTypes(client));
        Assert.True(tracker.Empty);
    }

    [Fact]
    public void Filter_ErrorInABatch_SkipsTheRestUpToSyncAndTheFailedParseIsNotTheClients()
    {
        RewriteInReads(Messages(w =>
        {
            FrontendMessages.Parse(w, "bad", "SELEKT");
            FrontendMessages.Bind(w, "bad", []);
            FrontendMessages.Execute(w);
            FrontendMessages.Sync(w);
        }), int.MaxValue);

        var client = Filter([.. Error("42601"), .. Backend("Z")]);

        Assert.Equal("E Z", BackendTypes(client));
        Assert.True(tracker.Empty);
        Assert.Equal(0, rewriter.Count);
        Assert.Equal(0, registry.Count);
    }

    [Fact]
    public void Filter_ErrorAfterAParseOfATextTheServerHas_TheParseAnsweredFirst()
    {
        RewriteInReads(Messages(w => { FrontendMessages.Parse(w, "a", "SELECT 1"); FrontendMessages.Sync(w); }), int.MaxValue);
        Filter(Backend("1", "t", "n", "Z"));
        // The same query under another name (made afresh there), then a Bind of a name never prepared.
        RewriteInReads(Messages(w =>
        {
            FrontendMessages.Parse(w, "b", "SELECT 1");
            FrontendMessages.Bind(w, "nope", []);
            FrontendMessages.Execute(w);
            FrontendMessages.Sync(w);
        }), int.MaxValue);

        var client = Filter([.. Backend("3", "1", "t", "n"), .. Error("26000"), .. Backend("Z")]);

        Assert.Equal("1 E Z", BackendTypes(client));
        Assert.True(tracker.Empty);
    }

    [Fact]
    public void Rewrite_ParseHeldBehindAnEarlierBatch_ReleasedOnceThatBatchIsAnsweredThoughItsOwnBatchIsNot()
    {
        // Issue 17, seed 2509: the batch's unnamed Parse and Bind go ahead of the held Parse, and
        // PostgreSQL answers them only at that batch's Sync, which comes after the held Parse.
        RewriteInReads(Messages(w => { FrontendMessages.Parse(w, "s2", "SELECT 1/$1::int"); FrontendMessages.Sync(w); }), int.MaxValue);
        var ahead = RewriteInReads(Messages(w =>
        {
            FrontendMessages.Parse(w, "", "SELECT 1/$1::int");
            FrontendMessages.Bind(w, "", ["1"]);
            FrontendMessages.Parse(w, "s3", "SELECT 1/$1::int");
            FrontendMessages.Sync(w);
        }), int.MaxValue);
        Assert.Equal("P B", Types(ahead, out _));
        Assert.True(rewriter.AwaitingLearn);
        Assert.True(rewriter.StillHolding);

        Assert.Equal("1 Z", BackendTypes(Filter(Backend("1", "t", "n", "Z"))));

        Assert.False(rewriter.StillHolding);
        rewriter.AwaitingLearn = false;
        var output = new RentedBuffer();
        var rest = rewriter.Rewrite(ReadOnlyMemory<byte>.Empty, output).ToArray();
        rewriter.Sent();
        // The server has it: parsed afresh there.
        Assert.Equal("C P D S", Types(rest, out _));
        Assert.Equal("1 2 1 Z", BackendTypes(Filter(Backend("1", "2", "3", "1", "t", "n", "Z"))));
        Assert.True(tracker.Empty);
    }

    [Fact]
    public void Rewrite_BindBehindAnEarlierBatchsUnansweredPrepare_HeldThenPreparedAgainWhenThatPrepareWasSkipped()
    {
        // Issue 17, seed 1003158: on a server that lacks the client's statement, pgway prepares it before
        // the Bind of a batch that an earlier message fails; the next batch's Bind must not take it for made.
        RewriteInReads(Messages(w => { FrontendMessages.Parse(w, "s1", "SELECT $1::int"); FrontendMessages.Sync(w); }), int.MaxValue);
        // The server is lost before it describes the statement: its result type stays unknown, so the
        // Bind below is not held for a comparison.
        Filter(Backend("1"));
        tracker.Reset(rewriter.NewServerCache());
        var ahead = RewriteInReads(Messages(w =>
        {
            FrontendMessages.Parse(w, "", "SELECT * FROM no_such_table");
            FrontendMessages.Bind(w, "s1", ["2"]);
            FrontendMessages.Execute(w);
            FrontendMessages.Sync(w);
            FrontendMessages.Bind(w, "s1", ["2"]);
            FrontendMessages.Execute(w);
            FrontendMessages.Sync(w);
        }), int.MaxValue);
        Assert.Equal("P P B E S", Types(ahead, out _));
        Assert.True(rewriter.AwaitingLearn);
        Assert.True(rewriter.StillHolding);

        Assert.Equal("E Z", BackendTypes(Filter([.. Error("42P01"), .. Backend("Z")])));

        Assert.False(rewriter.StillHolding);
        rewriter.AwaitingLearn = false;
        var output = new RentedBuffer();
        var rest = rewriter.Rewrite(ReadOnlyMemory<byte>.Empty, output).ToArray();
        rewriter.Sent();
        Assert.Equal("P B E S", Types(rest, out var names));
        Assert.Equal(["pgway_1", "pgway_1"], names);
        Assert.Equal("2 C Z", BackendTypes(Filter(Backend("1", "2", "C", "Z"))));
        Assert.True(tracker.Empty);
    }

    [Fact]
    public void Rewrite_MoreStatementsThanTheCacheHolds_TheLeastRecentlyUsedIsClosedFirst()
    {
        foreach (var name in (string[])["a", "b", "c"])
        {
            var sent = RewriteInReads(Messages(w => { FrontendMessages.Parse(w, name, $"SELECT '{name}'"); FrontendMessages.Sync(w); }), int.MaxValue);
            Assert.Equal(name == "c" ? "C P D S" : "P D S", Types(sent, out _));
            Assert.Equal(name == "c" ? "1 Z" : "1 Z", BackendTypes(Filter(name == "c" ? Backend("3", "1", "t", "n", "Z") : Backend("1", "t", "n", "Z"))));
        }
    }

    [Fact]
    public void Rewrite_StatementMadeAgainAfterTheClientsSettingsChanged_ItsParseRunsUnderTheSettingsItWasParsedWith()
    {
        var context = ParseContextFormat.Format(["public", "ISO, DMY", "UTC", "postgres", "on"]);
        rewriter = new RequestRewriter(registry, tracker, capacity: 2, parseContext: () => context);
        tracker.Reset(rewriter.NewServerCache());
        RewriteInReads(Messages(w => { FrontendMessages.Parse(w, "s1", "SELECT '03/04/2024'::date"); FrontendMessages.Sync(w); }), int.MaxValue);
        Assert.Equal("1 Z", BackendTypes(Filter(Backend("1", "t", "T", "Z"))));

        // Another server, which lacks the statement, after SET DateStyle.
        tracker.Reset(rewriter.NewServerCache());
        context = ParseContextFormat.Format(["public", "ISO, MDY", "UTC", "postgres", "on"]);
        var sent = RewriteInReads(Messages(w => { FrontendMessages.Bind(w, "s1", []); FrontendMessages.Execute(w); FrontendMessages.Sync(w); }), int.MaxValue);

        // The setter made there, run with the settings of the Parse, the statement made, the setter run
        // with the settings now; then pgway's Describe of the statement.
        Assert.Equal("P B E C P B E C D H", Types(sent, out var names));
        Assert.Equal(["pgway_2", "pgway_2", "pgway_1", "pgway_2"], names);
        Assert.Contains("ISO, DMY", Encoding.UTF8.GetString(sent), StringComparison.Ordinal);
        Assert.Contains("ISO, MDY", Encoding.UTF8.GetString(sent), StringComparison.Ordinal);
        // None of the answers to what pgway sent reaches the client.
        Assert.Equal("", BackendTypes(Filter(Backend("1", "2", "D", "C", "3", "1", "2", "D", "C", "3", "t", "T"))));
    }

    [Fact]
    public void Rewrite_StatementMadeAgainWithOnlySearchPathChanged_NoSetter()
    {
        // PostgreSQL itself reads a statement again under the current search_path once the path changed.
        var context = ParseContextFormat.Format(["a", "ISO, DMY", "UTC", "postgres", "on"]);
        rewriter = new RequestRewriter(registry, tracker, capacity: 2, parseContext: () => context);
        tracker.Reset(rewriter.NewServerCache());
        RewriteInReads(Messages(w => { FrontendMessages.Parse(w, "s1", "SELECT 1"); FrontendMessages.Sync(w); }), int.MaxValue);
        Filter(Backend("1", "t", "T", "Z"));

        tracker.Reset(rewriter.NewServerCache());
        context = ParseContextFormat.Format(["b", "ISO, DMY", "UTC", "postgres", "on"]);
        var sent = RewriteInReads(Messages(w => { FrontendMessages.Bind(w, "s1", []); FrontendMessages.Execute(w); FrontendMessages.Sync(w); }), int.MaxValue);

        Assert.Equal("P D H", Types(sent, out _));
    }

    [Fact]
    public void Filter_EvictionCloseSkippedAfterAnError_ClosedBeforeTheNextRequest()
    {
        // The server still has the statement pgway meant to push out; counted gone, it would meet
        // 42P05 when prepared there again.
        foreach (var name in (string[])["a", "b"])
        {
            RewriteInReads(Messages(w => { FrontendMessages.Parse(w, name, $"SELECT '{name}'"); FrontendMessages.Sync(w); }), int.MaxValue);
            Filter(Backend("1", "t", "n", "Z"));
        }
        var sent = RewriteInReads(Messages(w =>
        {
            FrontendMessages.Bind(w, "nope", []);
            FrontendMessages.Parse(w, "c", "SELECT 'c'");
            FrontendMessages.Sync(w);
        }), int.MaxValue);
        Assert.Equal("B C P D S", Types(sent, out _));
        Assert.Equal("E Z", BackendTypes(Filter([.. Error("26000"), .. Backend("Z")])));

        var next = RewriteInReads(Messages(w => { FrontendMessages.Bind(w, "a", []); FrontendMessages.Execute(w); FrontendMessages.Sync(w); }), int.MaxValue);

        Assert.StartsWith("C ", Types(next, out _), StringComparison.Ordinal);
    }

    private byte[] RewriteInReads(byte[] client, int readSize)
    {
        var sent = new List<byte>();
        for (var start = 0; start < client.Length; start += readSize)
        {
            var output = new RentedBuffer();
            sent.AddRange(rewriter.Rewrite(client.AsMemory(start, Math.Min(readSize, client.Length - start)), output).ToArray());
            rewriter.Sent();
            output.Reset();
        }
        return [.. sent];
    }

    private byte[] Filter(byte[] server) => FilterInReads(server, int.MaxValue);

    // The pump's way: carried bytes first, then the read, in one buffer.
    private byte[] FilterInReads(byte[] server, int readSize)
    {
        var client = new List<byte>();
        for (var start = 0; start < server.Length; start += readSize)
        {
            var read = Math.Min(readSize, server.Length - start);
            var buffer = new byte[tracker.CarryLength + read + 16];
            var carried = tracker.CarryLength;
            server.AsSpan(start, read).CopyTo(buffer.AsSpan(carried));
            tracker.TakeCarry(buffer);
            var output = new RentedBuffer();
            client.AddRange(tracker.Filter(buffer, carried + read, output).ToArray());
            output.Reset();
        }
        return [.. client];
    }

    private static byte[] Messages(Action<ArrayBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }

    // Backend messages with empty bodies, except ReadyForQuery ('I') and CommandComplete ("SELECT 1").
    private static byte[] Backend(params string[] types)
    {
        var output = new List<byte>();
        foreach (var type in types)
        {
            var body = type switch
            {
                "Z" => "I"u8.ToArray(),
                "C" => "SELECT 1\0"u8.ToArray(),
                _ => [],
            };
            output.Add((byte)type[0]);
            output.AddRange(BigEndian(4 + body.Length));
            output.AddRange(body);
        }
        return [.. output];
    }

    private static byte[] Error(string sqlState)
    {
        var body = Encoding.UTF8.GetBytes($"SERROR\0C{sqlState}\0Msyntax error\0\0");
        return [(byte)'E', .. BigEndian(4 + body.Length), .. body];
    }

    private static byte[] BigEndian(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static string BackendTypes(byte[] stream) => Types(stream, out _);

    // The message types in a stream, and the statement names in its Parse, Bind and Close messages.
    private static string Types(byte[] stream, out List<string> names)
    {
        var types = new List<string>();
        names = [];
        for (var position = 0; position < stream.Length;)
        {
            var type = (char)stream[position];
            var length = BinaryPrimitives.ReadInt32BigEndian(stream.AsSpan(position + 1));
            var body = stream.AsSpan(position + 5, length - 4);
            types.Add(type.ToString());
            if (type == 'B')
            {
                var portalEnd = body.IndexOf((byte)0);
                var rest = body[(portalEnd + 1)..];
                names.Add(Encoding.UTF8.GetString(rest[..rest.IndexOf((byte)0)]));
            }
            else if (type == 'P')
            {
                names.Add(Encoding.UTF8.GetString(body[..body.IndexOf((byte)0)]));
            }
            position += 1 + length;
        }
        return string.Join(' ', types);
    }
}
