using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Pgway.Protocol;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// A PostgreSQL server of the test's own, on a loopback port: it logs every connection in at once,
/// answers each simple Query as the test's script says, and acts on a cancel request only after
/// <see cref="CancelDelay"/>. For sequences a real server gives only by chance of timing: a FATAL in
/// the same read as a ReadyForQuery, a cancel that lands after the statement it was sent for ended.
/// Each connection has its own process ID; a cancel acts on the query that connection runs then.
/// </summary>
internal sealed class ScriptedBackend : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly Func<ScriptedConnection, string, Task> script;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<int, ScriptedConnection> connections = new();
    private readonly List<Task> tasks = [];
    private readonly Task accepting;
    private int nextProcessId = 1000;

    private ScriptedBackend(IPAddress address, Func<ScriptedConnection, string, Task> script, TimeSpan cancelDelay)
    {
        this.script = script;
        CancelDelay = cancelDelay;
        listener = new TcpListener(address, 0);
        listener.Start();
        accepting = AcceptAsync();
    }

    /// <summary>
    /// Listens on an ephemeral port of <paramref name="address"/>; <paramref name="script"/> answers each
    /// Query (its text given); a cancel request acts <paramref name="cancelDelay"/> after it came.
    /// </summary>
    public static ScriptedBackend Start(IPAddress address, Func<ScriptedConnection, string, Task> script, TimeSpan cancelDelay = default) =>
        new(address, script, cancelDelay);

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>How long a cancel request waits before it acts (PostgreSQL's own is signalled, so it lands whenever the backend looks).</summary>
    public TimeSpan CancelDelay { get; }

    /// <summary>How many connections logged in so far.</summary>
    public int LogIns => nextProcessId - 1000;

    /// <summary>Every Query's text, in the order they came (all connections).</summary>
    public ConcurrentQueue<string> Queries { get; } = new();

    /// <summary>The type of every message after the log-ins, in the order they came (all connections).</summary>
    public ConcurrentQueue<char> Messages { get; } = new();

    /// <summary>Completes when the first cancel request has come (before it acts).</summary>
    public Task CancelCame => cancelCame.Task;

    private readonly TaskCompletionSource cancelCame = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The cancel requests acted on: the process ID each named, and the query it cancelled (null when none ran).</summary>
    public ConcurrentQueue<(int ProcessId, string? Cancelled)> Cancels { get; } = new();

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            lock (tasks)
            {
                tasks.Add(ServeAsync(socket));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        using var stream = new NetworkStream(socket);
        try
        {
            var packet = await ReadStartupAsync(stream);
            var code = BinaryPrimitives.ReadInt32BigEndian(packet.AsSpan(0, 4));
            if (code == 80877102)
            {
                await ActOnCancelAsync(BinaryPrimitives.ReadInt32BigEndian(packet.AsSpan(4, 4)));
                return;
            }
            var connection = new ScriptedConnection(stream, Interlocked.Increment(ref nextProcessId));
            connections[connection.ProcessId] = connection;
            var greeting = new ArrayBufferWriter<byte>();
            BackendMessages.AuthenticationOk(greeting);
            foreach (var (name, value) in Parameters)
            {
                BackendMessages.ParameterStatus(greeting, name, value);
            }
            BackendMessages.BackendKeyData(greeting, connection.ProcessId, [1, 2, 3, 4]);
            BackendMessages.ReadyForQuery(greeting, TransactionStatus.Idle);
            await connection.SendAsync(greeting.WrittenMemory.ToArray());
            while (await ReadMessageAsync(stream) is { } message && message.Type != (byte)'X')
            {
                Messages.Enqueue((char)message.Type);
                if (message.Type == (byte)'Q')
                {
                    var text = Encoding.UTF8.GetString(message.Body, 0, message.Body.Length - 1);
                    Queries.Enqueue(text);
                    connection.Begin(text);
                    await script(connection, text);
                    connection.End();
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer went away, or the script closed the connection.
        }
    }

    // Acted on late, as the test asked; the process whose query runs then gets it cancelled.
    private async Task ActOnCancelAsync(int processId)
    {
        cancelCame.TrySetResult();
        await Task.Delay(CancelDelay, stopping.Token);
        var cancelled = connections.TryGetValue(processId, out var target) ? target.Cancel() : null;
        Cancels.Enqueue((processId, cancelled));
    }

    private static readonly (string Name, string Value)[] Parameters =
    [
        ("server_version", "15.0"), ("server_encoding", "UTF8"), ("client_encoding", "UTF8"), ("DateStyle", "ISO, MDY"),
        ("IntervalStyle", "postgres"), ("TimeZone", "UTC"), ("integer_datetimes", "on"), ("standard_conforming_strings", "on"),
        ("is_superuser", "off"), ("session_authorization", PoolerHarness.User), ("application_name", ""),
        ("default_transaction_read_only", "off"), ("in_hot_standby", "off"),
    ];

    // A start-up packet's body after its length (an SSL request is refused with 'N' and the next read).
    private static async Task<byte[]> ReadStartupAsync(NetworkStream stream)
    {
        while (true)
        {
            var length = new byte[4];
            await stream.ReadExactlyAsync(length);
            var body = new byte[BinaryPrimitives.ReadInt32BigEndian(length) - 4];
            await stream.ReadExactlyAsync(body);
            if (BinaryPrimitives.ReadInt32BigEndian(body) is 80877103 or 80877104)
            {
                await stream.WriteAsync("N"u8.ToArray());
                continue;
            }
            return body;
        }
    }

    private static async Task<(byte Type, byte[] Body)?> ReadMessageAsync(NetworkStream stream)
    {
        var header = new byte[5];
        try
        {
            await stream.ReadExactlyAsync(header);
        }
        catch (EndOfStreamException)
        {
            return null;
        }
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
        await stream.ReadExactlyAsync(body);
        return (header[0], body);
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        await accepting;
        foreach (var connection in connections.Values)
        {
            connection.Close();
        }
        Task[] all;
        lock (tasks)
        {
            all = [.. tasks];
        }
        try
        {
            await Task.WhenAll(all).WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            // A script still waiting (its test failed before it was let go) is left behind: its waits are bounded.
        }
        stopping.Dispose();
    }
}

/// <summary>One logged-in connection of a <see cref="ScriptedBackend"/>, as a script sees it.</summary>
internal sealed class ScriptedConnection(NetworkStream stream, int processId)
{
    private readonly Lock gate = new();
    private string? running;
    private TaskCompletionSource cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int ProcessId { get; } = processId;

    /// <summary>The TimeZone a script keeps for this connection (the server's own until one sets it).</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Completes when a cancel request acts on the query the script answers now.</summary>
    public Task Cancelled
    {
        get
        {
            lock (gate)
            {
                return cancelled.Task;
            }
        }
    }

    /// <summary>Writes these bytes in one write.</summary>
    public async Task SendAsync(byte[] bytes) => await stream.WriteAsync(bytes);

    /// <summary>Closes the connection (after what was written).</summary>
    public void Close() => stream.Socket.Close();

    /// <summary>Closes the connection abortively: the peer's next send fails (connection reset), as when a backend process dies.</summary>
    public void Reset()
    {
        stream.Socket.LingerState = new LingerOption(true, 0);
        stream.Socket.Close();
    }

    /// <summary>The pooler's end of this connection.</summary>
    public IPEndPoint Peer { get; } = (IPEndPoint)stream.Socket.RemoteEndPoint!;

    internal void Begin(string query)
    {
        lock (gate)
        {
            running = query;
            cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    internal void End()
    {
        lock (gate)
        {
            running = null;
        }
    }

    internal string? Cancel()
    {
        lock (gate)
        {
            cancelled.TrySetResult();
            return running;
        }
    }

    /// <summary>A ParameterStatus report.</summary>
    public static byte[] Report(string name, string value) => Write(output => BackendMessages.ParameterStatus(output, name, value));

    /// <summary>A DataRow of one text column.</summary>
    public static byte[] Row(string value) => Write(output => BackendMessages.DataRow(output, [value]));

    /// <summary>The messages of a query's end: CommandComplete with <paramref name="tag"/>, then ReadyForQuery idle.</summary>
    public static byte[] Completed(string tag) => Write(output =>
    {
        BackendMessages.CommandComplete(output, tag);
        BackendMessages.ReadyForQuery(output, TransactionStatus.Idle);
    });

    /// <summary>An ErrorResponse of <paramref name="severity"/>, and a ReadyForQuery after it unless it is FATAL.</summary>
    public static byte[] Failed(ErrorSeverity severity, string sqlState, string message) => Write(output =>
    {
        ErrorResponseWriter.Write(output, severity, sqlState, message);
        if (severity != ErrorSeverity.Fatal)
        {
            BackendMessages.ReadyForQuery(output, TransactionStatus.Idle);
        }
    });

    private static byte[] Write(Action<ArrayBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenMemory.ToArray();
    }
}
