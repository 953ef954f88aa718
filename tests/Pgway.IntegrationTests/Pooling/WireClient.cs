using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Pgway.Protocol;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// A client that speaks the protocol message by message, for conversations no driver would hold:
/// requests pipelined in one write, a Terminate after data, a FunctionCall, COPY by hand. It logs
/// in with trust (as the pooler tests' user), keeps the cancel key pgway gave it, and reads each
/// request's answers as a short text ("1 2 T D C Z") with the rows it carried.
/// </summary>
internal sealed class WireClient : IDisposable
{
    private readonly RawWireClient raw;

    private WireClient(RawWireClient raw, int processId, byte[] secretKey, IReadOnlyDictionary<string, string> greeting)
    {
        this.raw = raw;
        Greeting = greeting;
        ProcessId = processId;
        SecretKey = secretKey;
    }

    public int ProcessId { get; }

    /// <summary>The ParameterStatus values of the greeting.</summary>
    public IReadOnlyDictionary<string, string> Greeting { get; }

    public byte[] SecretKey { get; }

    public static async Task<WireClient> LogInAsync(IPEndPoint endPoint, string user, string database, TimeSpan bound, params (string Name, string Value)[] parameters) =>
        await LogInOnAsync(await RawWireClient.ConnectAsync(endPoint, bound), user, database, parameters);

    /// <summary>As <see cref="LogInAsync"/>, on a connection with the least receive buffer the kernel allows (a few kilobytes).</summary>
    public static async Task<WireClient> LogInReadingLittleAsync(IPEndPoint endPoint, string user, string database, TimeSpan bound) =>
        await LogInOnAsync(await RawWireClient.ConnectAsync(endPoint, bound, receiveBufferSize: 1), user, database, []);

    private static async Task<WireClient> LogInOnAsync(RawWireClient raw, string user, string database, (string Name, string Value)[] parameters)
    {
        await raw.SendAsync(RawWireClient.StartupMessage([("user", user), ("database", database), .. parameters]));
        var (processId, key) = (0, Array.Empty<byte>());
        var greeting = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            var message = await raw.ReadMessageAsync();
            Assert.True(message is not null, "the connection ended during log-in");
            var (type, body) = message.Value;
            Assert.True(type != 'E', $"log-in refused: {RawWireClient.Describe(body)}");
            if (type == 'S')
            {
                var nameEnd = Array.IndexOf(body, (byte)0);
                greeting[Encoding.UTF8.GetString(body, 0, nameEnd)] = Encoding.UTF8.GetString(body, nameEnd + 1, body.Length - nameEnd - 2);
            }
            if (type == 'K')
            {
                processId = BinaryPrimitives.ReadInt32BigEndian(body);
                key = body[4..];
            }
            if (type == 'Z')
            {
                return new WireClient(raw, processId, key, greeting);
            }
        }
    }

    /// <summary>This end of the connection.</summary>
    public IPEndPoint LocalEndPoint => raw.LocalEndPoint;

    /// <summary>The bytes come and not read yet.</summary>
    public int Available => raw.Available;

    public Task SendAsync(params byte[][] messages) => raw.SendAsync([.. messages.SelectMany(m => m)]);

    public Task<(char Type, byte[] Body)?> ReadMessageAsync() => raw.ReadMessageAsync();

    /// <summary>The answers up to the next ReadyForQuery: their types, the rows (columns joined by '|') and the errors' SQLSTATEs.</summary>
    public async Task<Answer> ReadUntilReadyAsync()
    {
        var answer = new Answer();
        while (true)
        {
            var message = await raw.ReadMessageAsync();
            Assert.True(message is not null, $"the connection ended before ReadyForQuery (after {answer})");
            var (type, body) = message.Value;
            answer.Types.Add(type);
            switch (type)
            {
                case 'D':
                    answer.Rows.Add(DataRow(body));
                    break;
                case 'E':
                    answer.Errors.Add(RawWireClient.Field(body, 'C')!);
                    break;
                case 'V':
                    answer.Rows.Add(FunctionResult(body));
                    break;
                case 'S':
                    var nameEnd = Array.IndexOf(body, (byte)0);
                    answer.Statuses.Add($"{Encoding.UTF8.GetString(body, 0, nameEnd)}={Encoding.UTF8.GetString(body, nameEnd + 1, body.Length - nameEnd - 2)}");
                    break;
                case 'Z':
                    answer.Status = (char)body[0];
                    return answer;
            }
        }
    }

    /// <summary>Sends a CancelRequest with this client's key to <paramref name="endPoint"/>, and waits for that connection to be closed.</summary>
    public async Task CancelAsync(IPEndPoint endPoint)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(endPoint, timeout.Token);
        await socket.SendAsync(Write(w => FrontendMessages.CancelRequest(w, ProcessId, SecretKey)), SocketFlags.None, timeout.Token);
        await socket.ReceiveAsync(new byte[1], SocketFlags.None, timeout.Token);
    }

    /// <summary>Closes abortively (connection reset).</summary>
    public void Reset() => raw.Reset();

    public void Dispose() => raw.Dispose();

    public static byte[] Query(string sql) => RawWireClient.Query(sql);

    public static byte[] Parse(string name, string sql) => Write(w => FrontendMessages.Parse(w, name, sql));

    public static byte[] Bind(string statement) => Write(w => FrontendMessages.Bind(w, statement, []));

    public static byte[] Execute() => Write(FrontendMessages.Execute);

    public static byte[] Sync() => Write(FrontendMessages.Sync);

    public static byte[] Terminate() => Write(FrontendMessages.Terminate);

    public static byte[] Flush() => [(byte)'H', 0, 0, 0, 4];

    public static byte[] CopyDone() => [(byte)'c', 0, 0, 0, 4];

    public static byte[] CopyData(string text)
    {
        var data = Encoding.UTF8.GetBytes(text);
        var message = new byte[5 + data.Length];
        message[0] = (byte)'d';
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), 4 + data.Length);
        data.CopyTo(message, 5);
        return message;
    }

    /// <summary>Describe ('S') of a prepared statement.</summary>
    public static byte[] DescribeStatement(string name) => Named('D', name);

    /// <summary>Close ('S') of a prepared statement.</summary>
    public static byte[] Close(string name) => Named('C', name);

    /// <summary>A FunctionCall of <paramref name="functionOid"/> with text arguments and a text result.</summary>
    public static byte[] FunctionCall(int functionOid, params string[] arguments)
    {
        var body = new ArrayBufferWriter<byte>();
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, functionOid);
        body.Write(number);
        body.Write<byte>([0, 1, 0, 0]);                         // one argument format: text
        BinaryPrimitives.WriteInt16BigEndian(number, (short)arguments.Length);
        body.Write(number[..2]);
        foreach (var argument in arguments)
        {
            var text = Encoding.UTF8.GetBytes(argument);
            BinaryPrimitives.WriteInt32BigEndian(number, text.Length);
            body.Write(number);
            body.Write(text);
        }
        body.Write<byte>([0, 0]);                               // result format: text
        var message = new byte[5 + body.WrittenCount];
        message[0] = (byte)'F';
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), 4 + body.WrittenCount);
        body.WrittenSpan.CopyTo(message.AsSpan(5));
        return message;
    }

    private static byte[] Named(char type, string name)
    {
        var text = Encoding.UTF8.GetBytes(name);
        var message = new byte[5 + 1 + text.Length + 1];
        message[0] = (byte)type;
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), message.Length - 1);
        message[5] = (byte)'S';
        text.CopyTo(message, 6);
        return message;
    }

    private static byte[] Write(Action<ArrayBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }

    private static string DataRow(byte[] body)
    {
        var columns = new List<string>();
        var count = BinaryPrimitives.ReadInt16BigEndian(body);
        var position = 2;
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(position));
            position += 4;
            columns.Add(length < 0 ? "NULL" : Encoding.UTF8.GetString(body, position, length));
            position += Math.Max(0, length);
        }
        return string.Join('|', columns);
    }

    private static string FunctionResult(byte[] body)
    {
        var length = BinaryPrimitives.ReadInt32BigEndian(body);
        return length < 0 ? "NULL" : Encoding.UTF8.GetString(body, 4, length);
    }

    /// <summary>What one request was answered with.</summary>
    internal sealed class Answer
    {
        public List<char> Types { get; } = [];

        public List<string> Rows { get; } = [];

        public List<string> Errors { get; } = [];

        /// <summary>The ParameterStatus messages, as name=value.</summary>
        public List<string> Statuses { get; } = [];

        public char Status { get; set; }

        public override string ToString() => $"{string.Join(' ', Types)} rows [{string.Join(", ", Rows)}] errors [{string.Join(", ", Errors)}]";
    }
}
