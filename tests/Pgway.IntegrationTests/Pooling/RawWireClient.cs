using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// A client that writes the PostgreSQL wire protocol byte by byte, to send what no driver would
/// (absurd lengths, truncated headers), and reads the answers as whole backend messages. Every
/// operation ends, at the latest, when the bound given at connection is over.
/// </summary>
internal sealed class RawWireClient : IDisposable
{
    private const int ProtocolVersion3 = 3 << 16;

    private readonly TcpClient tcp;
    private Stream stream;
    private readonly CancellationTokenSource deadline;

    private RawWireClient(TcpClient tcp, CancellationTokenSource deadline)
    {
        this.tcp = tcp;
        this.deadline = deadline;
        stream = tcp.GetStream();
    }

    /// <summary>
    /// Connects to <paramref name="endPoint"/>; with <paramref name="receiveBufferSize"/>, the socket's receive
    /// buffer is set before connecting (the kernel's least for 1: a client that stops reading stops a
    /// sender after a few kilobytes).
    /// </summary>
    public static async Task<RawWireClient> ConnectAsync(IPEndPoint endPoint, TimeSpan bound, int? receiveBufferSize = null)
    {
        var tcp = new TcpClient { NoDelay = true };
        if (receiveBufferSize is { } size)
        {
            tcp.ReceiveBufferSize = size;
        }
        var deadline = new CancellationTokenSource(bound);
        try
        {
            await tcp.ConnectAsync(endPoint, deadline.Token);
            return new RawWireClient(tcp, deadline);
        }
        catch
        {
            tcp.Dispose();
            deadline.Dispose();
            throw;
        }
    }

    /// <summary>This end of the connection.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)tcp.Client.LocalEndPoint!;

    /// <summary>The bytes come and not read yet.</summary>
    public int Available => tcp.Client.Available;

    /// <summary>A protocol 3.0 StartupMessage with <paramref name="parameters"/>.</summary>
    public static byte[] StartupMessage(params (string Name, string Value)[] parameters) => StartupMessage(ProtocolVersion3, parameters);

    /// <summary>A StartupMessage asking for <paramref name="version"/> (major in the high 16 bits) with <paramref name="parameters"/>.</summary>
    public static byte[] StartupMessage(int version, params (string Name, string Value)[] parameters)
    {
        var body = new MemoryStream();
        foreach (var (name, value) in parameters)
        {
            body.Write(Encoding.UTF8.GetBytes(name));
            body.WriteByte(0);
            body.Write(Encoding.UTF8.GetBytes(value));
            body.WriteByte(0);
        }
        body.WriteByte(0);
        var message = new byte[8 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(message, message.Length);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(4), version);
        body.ToArray().CopyTo(message, 8);
        return message;
    }

    /// <summary>Just a regular message's 5-byte header: its type and a length that may lie about what follows.</summary>
    public static byte[] Header(char type, int declaredLength)
    {
        var header = new byte[5];
        header[0] = (byte)type;
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(1), declaredLength);
        return header;
    }

    /// <summary>A well-formed simple Query message.</summary>
    public static byte[] Query(string sql)
    {
        var text = Encoding.UTF8.GetBytes(sql);
        var message = new byte[5 + text.Length + 1];
        message[0] = (byte)'Q';
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), 4 + text.Length + 1);
        text.CopyTo(message, 5);
        return message;
    }

    public async Task SendAsync(byte[] bytes) => await stream.WriteAsync(bytes, deadline.Token);

    /// <summary>An SSLRequest (or, with <paramref name="gss"/>, a GSSENCRequest): the 8-byte encryption request.</summary>
    public static byte[] EncryptionRequest(bool gss = false)
    {
        var message = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(message, 8);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(4), gss ? 80877104 : 80877103);
        return message;
    }

    /// <summary>One byte (the answer to an encryption request); null at the end of the connection.</summary>
    public async Task<byte?> ReadByteAsync()
    {
        var one = new byte[1];
        return await ReadExactlyOrEndAsync(one) ? one[0] : null;
    }

    /// <summary>From now on over TLS: the client side of a handshake with <paramref name="options"/>.</summary>
    public async Task<System.Net.Security.SslStream> StartTlsAsync(System.Net.Security.SslClientAuthenticationOptions options)
    {
        var tls = new System.Net.Security.SslStream(stream, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(options, deadline.Token);
        stream = tls;
        return tls;
    }

    /// <summary>The next whole backend message, or null when the peer closed (or reset) the connection.</summary>
    public async Task<(char Type, byte[] Body)?> ReadMessageAsync()
    {
        var header = new byte[5];
        if (!await ReadExactlyOrEndAsync(header))
        {
            return null;
        }
        var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
        Assert.InRange(length, 4, 1 << 20);
        var body = new byte[length - 4];
        Assert.True(await ReadExactlyOrEndAsync(body), $"the connection ended inside a '{(char)header[0]}' message");
        return ((char)header[0], body);
    }

    /// <summary>Reads messages until one of <paramref name="type"/>, failing on the way at an ErrorResponse or the end.</summary>
    public async Task<byte[]> ReadUntilAsync(char type)
    {
        while (true)
        {
            var message = await ReadMessageAsync();
            Assert.True(message is not null, $"the connection ended before a '{type}' message");
            var (got, body) = message.Value;
            if (got == type)
            {
                return body;
            }
            Assert.True(got != 'E', $"ErrorResponse before a '{type}' message: {Describe(body)}");
        }
    }

    /// <summary>One field (<c>C</c> for the SQLSTATE, <c>M</c> for the message…) of an ErrorResponse or NoticeResponse body.</summary>
    public static string? Field(byte[] body, char code)
    {
        var rest = body.AsSpan();
        while (rest.Length > 0 && rest[0] != 0)
        {
            var end = rest[1..].IndexOf((byte)0);
            if (end < 0)
            {
                return null;
            }
            if (rest[0] == (byte)code)
            {
                return Encoding.UTF8.GetString(rest.Slice(1, end));
            }
            rest = rest[(end + 2)..];
        }
        return null;
    }

    public static string Describe(byte[] errorBody) =>
        $"{Field(errorBody, 'S')} {Field(errorBody, 'C')} {Field(errorBody, 'M')}";

    /// <summary>Closes abortively: the peer's next send fails (connection reset), as when a client process dies.</summary>
    public void Reset()
    {
        tcp.Client.LingerState = new System.Net.Sockets.LingerOption(true, 0);
        tcp.Client.Close();
    }

    public void Dispose()
    {
        stream.Dispose();
        tcp.Dispose();
        deadline.Dispose();
    }

    private async Task<bool> ReadExactlyOrEndAsync(byte[] buffer)
    {
        var have = 0;
        while (have < buffer.Length)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer.AsMemory(have), deadline.Token);
            }
            catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
            {
                read = 0;
            }
            if (read == 0)
            {
                Assert.True(have == 0, $"the connection ended {have} bytes into a {buffer.Length}-byte read");
                return false;
            }
            have += read;
        }
        return true;
    }
}
