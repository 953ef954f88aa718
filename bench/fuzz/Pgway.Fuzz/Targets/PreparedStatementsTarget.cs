using System.Buffers.Binary;
using Pgway.Pooling;
using Pgway.Pooling.PreparedStatements;
using Pgway.Protocol;

namespace Pgway.Fuzz;

/// <summary>
/// The prepared-statement rewriter (<see cref="RequestRewriter"/>) and its answer filter
/// (<see cref="ResponseTracker"/>), driven as a transaction-mode session drives them. The input is a
/// conversation: records of a 2-byte big-endian header (top bit set: from the server; the other
/// 15 bits: the length) and that many bytes, each one read of a client or of its server. An empty
/// read of the server's is the end of a transaction: the client gets the other of two servers, as
/// the pool lends it one, each keeping its own statements.
/// </summary>
internal static class PreparedStatementsTarget
{
    // Small, so that eviction (a Close pgway sends on its own) is reached too.
    private const int Capacity = 2;

    public static void Check(byte[] input)
    {
        var conversation = new Conversation();
        try
        {
            foreach (var (fromServer, bytes) in Records(input))
            {
                var going = fromServer && bytes.Length == 0 ? conversation.SwitchServer()
                    : fromServer ? conversation.FromServer(bytes) : conversation.FromClient(bytes);
                if (!going)
                {
                    break;
                }
            }
            conversation.CheckStreams();
        }
        finally
        {
            conversation.End();
        }
    }

    /// <summary>Cuts a conversation into its reads.</summary>
    public static IEnumerable<(bool FromServer, byte[] Bytes)> Records(byte[] input)
    {
        for (var position = 0; position + 2 <= input.Length;)
        {
            var header = BinaryPrimitives.ReadUInt16BigEndian(input.AsSpan(position));
            var length = Math.Min(header & 0x7FFF, input.Length - position - 2);
            yield return ((header & 0x8000) != 0, input.AsSpan(position + 2, length).ToArray());
            position += 2 + length;
        }
    }

    /// <summary>One client session with the rewriter and tracker between it and one server.</summary>
    private sealed class Conversation
    {
        private readonly StatementRegistry registry = new();
        private readonly ResponseTracker tracker = new();
        private readonly RequestRewriter rewriter;
        private readonly ServerStatements[] caches;
        private readonly UnnamedStatementSlot[] slots = [new(), new()];
        // A client message held back until the server answers a Describe pgway asked (as SendToServerAsync
        // waits), with the client's later reads queued behind it.
        private readonly List<byte[]> heldClientReads = [];
        private int server;
        private readonly ClientTraffic fromClient = new();
        private readonly ServerTraffic fromServer;
        private readonly RentedBuffer toServer = new();
        private readonly RentedBuffer toClient = new();
        private readonly List<byte> clientSent = [];
        private readonly List<byte> serverGot = [];
        private readonly List<byte> serverSent = [];
        private readonly List<byte> clientGot = [];

        public Conversation()
        {
            rewriter = new RequestRewriter(registry, tracker, Capacity);
            caches = [rewriter.NewServerCache(), rewriter.NewServerCache()];
            tracker.Reset(caches[0], slots[0]);
            // As the session: off the count, and back on when a Sync a failed COPY had not read is answered.
            tracker.RequestDropped = () => fromClient.Outstanding--;
            tracker.RequestRestored = () => fromClient.Outstanding++;
            fromServer = new ServerTraffic(fromClient, new Dictionary<string, string>(StringComparer.Ordinal))
            {
                Tracker = tracker,
                StatementsDiscarded = () =>
                {
                    tracker.Server?.Clear();
                    rewriter.Forget();
                },
            };
        }

        // A client's read: refused, as the session refuses it, when its framing is broken.
        public bool FromClient(byte[] bytes)
        {
            if (fromClient.Scan(bytes) is not null)
            {
                return false;
            }
            if (rewriter.AwaitingLearn)
            {
                clientSent.AddRange(bytes);
                heldClientReads.Add(bytes);
                return true;
            }
            return Rewrite(bytes, record: true);
        }

        private bool Rewrite(byte[] bytes, bool record)
        {
            try
            {
                var rewritten = rewriter.Rewrite(bytes, toServer);
                if (record)
                {
                    clientSent.AddRange(bytes);
                }
                serverGot.AddRange(rewritten.Span);
            }
            catch (PostgresProtocolException)
            {
                // Documented: a name longer than pgway follows ends the session.
                return false;
            }
            finally
            {
                rewriter.Sent();
                toServer.Reset();
            }
            return true;
        }

        // A server's read, after the bytes the tracker held back, as the session's pump does it.
        public bool SwitchServer()
        {
            if (!fromClient.Idle || !fromServer.Idle || fromServer.Status != TransactionStatus.Idle || tracker.IgnoringUntilSync || rewriter.AwaitingLearn)
            {
                // The session gives a server back only then (ClientSession.ReleaseIfIdle).
                return true;
            }
            // Answers the tracker still expects are not checked here: the server's bytes are the
            // input's, not answers to what pgway sent, so they need not settle pgway's own requests.
            server = 1 - server;
            fromServer.Reset();
            tracker.Reset(caches[server], slots[server]);
            return true;
        }

        public bool FromServer(byte[] bytes)
        {
            var carried = tracker.CarryLength;
            var buffer = new byte[carried + bytes.Length];
            bytes.CopyTo(buffer, carried);
            if (fromServer.Scan(bytes) is not null)
            {
                return false;
            }
            serverSent.AddRange(bytes);
            tracker.TakeCarry(buffer);
            clientGot.AddRange(tracker.Filter(buffer, buffer.Length, toClient).Span);
            toClient.Reset();
            return ResumeHeldClient();
        }

        // The description pgway asked for has come: the held message goes on, then what queued behind it.
        private bool ResumeHeldClient()
        {
            while (rewriter.AwaitingLearn && !rewriter.StillHolding)
            {
                rewriter.AwaitingLearn = false;
                if (!Rewrite([], record: false))
                {
                    return false;
                }
                while (!rewriter.AwaitingLearn && heldClientReads.Count > 0)
                {
                    var next = heldClientReads[0];
                    heldClientReads.RemoveAt(0);
                    if (!Rewrite(next, record: false))
                    {
                        return false;
                    }
                }
            }
            return true;
        }

        // What each side got is whole messages, and only what pgway may change was changed.
        public void CheckStreams()
        {
            var sent = WireMessage.Split(clientSent.ToArray(), out var clientWhole);
            // Still held back for a description the input never answered: not all of it went on yet.
            clientWhole &= !rewriter.AwaitingLearn;
            var got = WireMessage.Split(serverGot.ToArray(), out _);
            Same(Untouched(sent, IsStatementMessage), Untouched(got, IsStatementMessage), clientWhole, "client to server");
            var answered = WireMessage.Split(serverSent.ToArray(), out var serverWhole);
            var shown = WireMessage.Split(clientGot.ToArray(), out _);
            Same(Untouched(answered, IsCompletion), Untouched(shown, IsCompletion), serverWhole, "server to client");
        }

        public void End()
        {
            rewriter.Dispose();
            foreach (var cache in caches)
            {
                cache.Clear();
            }
            // Every reference a name, a cache or a pending request took is given back: none leaks.
            Expect(registry.Count == 0, $"{registry.Count} statements outlive the session");
        }

        // Messages pgway may rewrite, add or take out, per direction: towards the server the statement
        // messages (and the Flush after a Describe pgway asks); towards the client their completions,
        // the descriptions pgway asked for, and the error it turns into 0A000.
        private static bool IsStatementMessage(byte type) => type is (byte)FrontendMessageCode.Parse or (byte)FrontendMessageCode.Bind
            or (byte)FrontendMessageCode.Describe or (byte)FrontendMessageCode.Close or (byte)FrontendMessageCode.Flush;

        private static bool IsCompletion(byte type) => type is (byte)BackendMessageCode.ParseComplete or (byte)BackendMessageCode.CloseComplete
            or (byte)BackendMessageCode.ParameterDescription or (byte)BackendMessageCode.RowDescription or (byte)BackendMessageCode.NoData
            or (byte)BackendMessageCode.ErrorResponse;

        private static List<WireMessage> Untouched(List<WireMessage> messages, Func<byte, bool> mayChange) =>
            [.. messages.Where(m => !mayChange(m.Type))];

        // The other side got exactly these messages, in order: all of them when the input ended
        // between messages, else a prefix (the rest is still on its way).
        private static void Same(List<WireMessage> sent, List<WireMessage> got, bool sentWhole, string direction)
        {
            Expect(got.Count <= sent.Count, $"{direction}: {got.Count} messages arrived of {sent.Count} sent");
            for (var i = 0; i < got.Count; i++)
            {
                Expect(got[i].SameAs(sent[i]), $"{direction}: message {i} sent as {sent[i]} arrived as {got[i]}");
            }
            Expect(!sentWhole || got.Count == sent.Count, $"{direction}: {got.Count} messages arrived of {sent.Count} sent whole");
        }
    }

    private static void Expect(bool condition, string broken)
    {
        if (!condition)
        {
            throw new FuzzInvariantException($"prepared: {broken}");
        }
    }
}
