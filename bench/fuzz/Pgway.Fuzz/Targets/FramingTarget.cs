using Pgway.Pooling;
using Pgway.Protocol;

namespace Pgway.Fuzz;

/// <summary>
/// Message framing: <see cref="MessageScanner"/> (how the pooler follows both directions), the
/// pooler's observers on it (<see cref="ClientTraffic"/>, <see cref="ServerTraffic"/>),
/// <see cref="MessageHeader"/>, <see cref="MessageStreamReader"/> (the log-in exchange), and the
/// bodies pgway reads in it (ErrorResponse, Authentication, the log-in answers).
/// </summary>
internal static class FramingTarget
{
    // Small enough that a fuzzer reaches it; the pooler's own bound is 1 GiB.
    private const int MaxBody = 512;

    public static void Check(byte[] input)
    {
        var expected = Reference(input, out var expectedError);
        var whole = new RecordingObserver();
        var wholeError = new MessageScanner().Scan(input, MaxBody, whole);
        var chunked = new RecordingObserver();
        var scanner = new MessageScanner();
        string? chunkedError = null;
        foreach (var chunk in Chunks.Of(input))
        {
            chunkedError = scanner.Scan(chunk, MaxBody, chunked);
            if (chunkedError is not null)
            {
                break;
            }
        }
        foreach (var (observed, error, how) in new[] { (whole, wholeError, "in one read"), (chunked, chunkedError, "in small reads") })
        {
            Expect((error is null) == (expectedError is null), $"scanned {how}: error '{error}' where a whole read says '{expectedError}'");
            Expect(observed.Messages.Count == expected.Count && observed.Messages.Zip(expected).All(p => p.First.SameAs(p.Second)),
                $"scanned {how}: {observed.Messages.Count} messages where a whole read finds {expected.Count}");
        }
        ReadWithStreamReader(input, expected, expectedError);
        FollowPooler(input);
        foreach (var message in expected)
        {
            ReadBody(message);
        }
    }

    // The messages and the first framing error, read from the whole input with MessageHeader.
    private static List<WireMessage> Reference(byte[] input, out string? error)
    {
        var messages = new List<WireMessage>();
        var rest = input.AsSpan();
        error = null;
        while (true)
        {
            var status = MessageHeader.TryRead(rest, MaxBody, out var header, out error);
            if (status == MessageReadStatus.Invalid)
            {
                Expect(!string.IsNullOrEmpty(error), "an invalid header without an error");
                return messages;
            }
            if (status == MessageReadStatus.Incomplete || rest.Length < header.TotalLength)
            {
                return messages;
            }
            Expect(header.BodyLength is >= 0 and <= MaxBody, $"a header with a body of {header.BodyLength}");
            messages.Add(new WireMessage(header.Type, rest.Slice(MessageHeader.Size, header.BodyLength).ToArray()));
            rest = rest[header.TotalLength..];
        }
    }

    // The log-in reader: the same messages, then one of its two documented exceptions.
    private static void ReadWithStreamReader(byte[] input, List<WireMessage> expected, string? expectedError)
    {
        using var reader = new MessageStreamReader(new TrickleStream(input));
        var read = 0;
        try
        {
            while (true)
            {
                var (type, body) = reader.ReadAsync(MaxBody, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                Expect(read < expected.Count && expected[read].SameAs(new WireMessage(type, body.ToArray())), $"the stream reader's message {read} differs");
                read++;
            }
        }
        catch (PostgresProtocolException)
        {
            Expect(expectedError is not null && read == expected.Count, "the stream reader refused a valid header");
        }
        catch (EndOfStreamException)
        {
            Expect(expectedError is null && read == expected.Count, "the stream reader stopped early");
        }
    }

    // The pooler's view of the same bytes, each direction in small reads, as the session does it.
    private static void FollowPooler(byte[] input)
    {
        var client = new ClientTraffic();
        var serverParameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var server = new ServerTraffic(client, new Dictionary<string, string>(StringComparer.Ordinal))
        {
            ServerParameters = serverParameters,
            StatementsDiscarded = () => { },
        };
        var settled = 0;
        server.ReadyForQuery = _ => settled++;
        foreach (var chunk in Chunks.Of(input))
        {
            if (client.Scan(chunk) is not null)
            {
                break;
            }
            Expect(client.Outstanding >= 0, "a negative count of outstanding requests");
        }
        foreach (var chunk in Chunks.Of(input))
        {
            var startedAtBoundary = server.Idle;
            if (server.Scan(chunk) is not null)
            {
                break;
            }
            Expect(server.FatalAt < 0 || startedAtBoundary && server.FatalAt < chunk.Count && chunk[server.FatalAt] == (byte)BackendMessageCode.ErrorResponse,
                $"FatalAt {server.FatalAt} is not the start of an ErrorResponse in a read of {chunk.Count}");
            Expect(client.Outstanding >= 0 && settled >= 0, "a negative count of outstanding requests");
        }
        Expect(serverParameters.Keys.All(k => !k.Contains('\0', StringComparison.Ordinal)), "a parameter name holding a zero byte");
    }

    // The bodies pgway parses; each parser answers true or false, never throws.
    private static void ReadBody(WireMessage message)
    {
        var body = message.Body.AsSpan();
        switch (message.Type)
        {
            case (byte)BackendMessageCode.ErrorResponse or (byte)BackendMessageCode.NoticeResponse:
                if (ErrorResponseReader.TryRead(body, out var fields))
                {
                    Expect(fields.Values.All(v => !v.Contains('\0', StringComparison.Ordinal)), "an error field holding a zero byte");
                }
                break;
            case (byte)BackendMessageCode.Authentication:
                if (AuthenticationMessages.TryReadRequest(body, out var code, out var data) && code == AuthenticationCode.Sasl)
                {
                    AuthenticationMessages.TryReadSaslMechanisms(data, out _);
                }
                break;
            case (byte)BackendMessageCode.ParameterStatus:
                ServerTraffic.TryParameter(body, out _, out _);
                break;
            case (byte)FrontendMessageCode.Password:
                AuthenticationMessages.TryReadPassword(body, out _);
                if (AuthenticationMessages.TryReadSaslInitialResponse(body, out var mechanism, out var initial))
                {
                    Expect(initial.Length <= body.Length - mechanism.Length, "SASL data longer than its message");
                }
                break;
        }
    }

    private static void Expect(bool condition, string broken)
    {
        if (!condition)
        {
            throw new FuzzInvariantException($"framing: {broken}");
        }
    }

    private sealed class RecordingObserver : IMessageObserver
    {
        private List<byte>? body;
        private byte type;

        public List<WireMessage> Messages { get; } = [];

        public bool OnMessage(byte type, int bodyLength)
        {
            Expect(body is null, "a message began inside the body of another");
            this.type = type;
            body = [];
            return true;
        }

        public bool OnBody(ReadOnlySpan<byte> part, bool last)
        {
            Take(part, last);
            return false;
        }

        private void Take(ReadOnlySpan<byte> part, bool last)
        {
            if (body is null)
            {
                throw new FuzzInvariantException("framing: a body piece outside a message");
            }
            body.AddRange(part);
            if (last)
            {
                Messages.Add(new WireMessage(type, [.. body]));
                body = null;
            }
        }
    }
}
