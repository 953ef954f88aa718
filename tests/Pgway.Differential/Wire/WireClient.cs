using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Pgway.Pooling.Authentication;

namespace Pgway.Differential.Wire;

/// <summary>
/// A client that speaks the wire protocol itself: it logs in (SCRAM-SHA-256, cleartext or
/// trust), writes whatever bytes it is given, and reads whole backend messages, each read bounded
/// by a timeout so that a hang becomes a value instead of a stuck test.
/// </summary>
public sealed class WireClient : IAsyncDisposable
{
    private readonly Socket socket;
    private readonly byte[] buffer = new byte[64 * 1024];
    private int start;
    private int end;

    private WireClient(Socket socket)
    {
        this.socket = socket;
    }

    /// <summary>Connects and logs in; the messages after AuthenticationOk up to the first ReadyForQuery are the greeting.</summary>
    public static async Task<(WireClient Client, ReadResult Greeting)> ConnectAsync(
        IPEndPoint endPoint, IReadOnlyList<KeyValuePair<string, string>> startup, string password, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var client = new WireClient(socket);
        try
        {
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connect.CancelAfter(timeout);
                await socket.ConnectAsync(endPoint, connect.Token);
            }
            await client.WriteAsync(Frontend.Startup(startup), cancellationToken);
            var greeting = await client.LogInAsync(startup.First(p => p.Key == "user").Value, password, timeout, cancellationToken);
            return (client, greeting);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (bytes.Length > 0)
        {
            var sent = await socket.SendAsync(bytes, SocketFlags.None, cancellationToken);
            bytes = bytes[sent..];
        }
    }

    /// <summary>
    /// Reads until <paramref name="done"/> says so after a message, the peer closes, or no message
    /// arrives within <paramref name="timeout"/>.
    /// </summary>
    public async Task<ReadResult> ReadAsync(Func<BackendMessage, bool> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var messages = new List<BackendMessage>();
        while (true)
        {
            var (message, outcome) = await ReadMessageAsync(timeout, cancellationToken);
            if (message is null)
            {
                return new ReadResult(messages, outcome);
            }
            messages.Add(message);
            if (done(message))
            {
                return new ReadResult(messages, ReadOutcome.Complete);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        socket.Dispose();
        await Task.CompletedTask;
    }

    private async Task<ReadResult> LogInAsync(string user, string password, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ScramClientExchange? scram = null;
        while (true)
        {
            var (message, outcome) = await ReadMessageAsync(timeout, cancellationToken);
            if (message is null)
            {
                return new ReadResult([], outcome);
            }
            if (message.Type == 'E')
            {
                return new ReadResult([message], ReadOutcome.Complete);
            }
            if (message.Type != 'R')
            {
                // Not an authentication request: the greeting has begun (trust).
                var rest = await ReadAsync(m => m.IsReady || m.IsFatal, timeout, cancellationToken);
                return rest with { Messages = [message, .. rest.Messages] };
            }
            var code = BinaryPrimitives.ReadInt32BigEndian(message.Body);
            switch (code)
            {
                case 0:
                    return await ReadAsync(m => m.IsReady || m.IsFatal, timeout, cancellationToken);
                case 3:
                    await WriteAsync(new FrontendMessage('p', [.. Encoding.UTF8.GetBytes(password), 0], "PasswordMessage").Encode(), cancellationToken);
                    break;
                case 10:
                    scram = ScramClientExchange.WithPassword(password);
                    var first = scram.ClientFirst();
                    var mechanism = Encoding.UTF8.GetBytes("SCRAM-SHA-256");
                    var body = new byte[mechanism.Length + 1 + 4 + first.Length];
                    mechanism.CopyTo(body, 0);
                    BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(mechanism.Length + 1), first.Length);
                    first.CopyTo(body, mechanism.Length + 5);
                    await WriteAsync(new FrontendMessage('p', body, "SASLInitialResponse").Encode(), cancellationToken);
                    break;
                case 11:
                    string? error = "server-first before SASL";
                    var final = Array.Empty<byte>();
                    if (scram is null || !scram.TryContinue(message.Body.AsSpan(4), out final, out error))
                    {
                        throw new InvalidOperationException($"SCRAM failed: {error}");
                    }
                    await WriteAsync(new FrontendMessage('p', final, "SASLResponse").Encode(), cancellationToken);
                    break;
                case 12:
                    string? verifyError = "server-final before SASL";
                    if (scram is null || !scram.TryVerify(message.Body.AsSpan(4), out verifyError))
                    {
                        throw new InvalidOperationException($"SCRAM server signature not verified: {verifyError}");
                    }
                    break;
                default:
                    throw new InvalidOperationException($"unsupported authentication request {code}");
            }
        }
    }

    private async Task<(BackendMessage? Message, ReadOutcome Outcome)> ReadMessageAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        try
        {
            if (!await FillAsync(5, bound.Token))
            {
                return (null, ReadOutcome.Closed);
            }
            var length = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(start + 1));
            if (length < 4 || length > buffer.Length - 5)
            {
                throw new InvalidOperationException($"a '{(char)buffer[start]}' message of length {length} is out of range");
            }
            if (!await FillAsync(1 + length, bound.Token))
            {
                return (null, ReadOutcome.Closed);
            }
            var message = new BackendMessage((char)buffer[start], buffer.AsSpan(start + 5, length - 4).ToArray());
            start += 1 + length;
            return (message, ReadOutcome.Complete);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, ReadOutcome.TimedOut);
        }
    }

    private async Task<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        if (end - start >= count)
        {
            return true;
        }
        if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }
        while (end < count)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, cancellationToken);
            }
            catch (SocketException)
            {
                read = 0;
            }
            if (read == 0)
            {
                return false;
            }
            end += read;
        }
        return true;
    }
}
