using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// A client of an admin console (pgway's or PgBouncer's) over the simple Query protocol, as
/// pgbouncer_exporter talks to it: logs in with a cleartext password (auth_type plain) and reads
/// each answer whole, with its column names and type OIDs. Bounded in time like <see cref="RawWireClient"/>.
/// </summary>
internal sealed class AdminConsoleClient : IDisposable
{
    private readonly RawWireClient wire;

    private AdminConsoleClient(RawWireClient wire) => this.wire = wire;

    /// <summary>Logged in, or the log-in's ErrorResponse as <see cref="AdminLoginRefused"/>.</summary>
    public static async Task<AdminConsoleClient> ConnectAsync(IPEndPoint endPoint, string user, string password, string database = "pgbouncer")
    {
        var wire = await RawWireClient.ConnectAsync(endPoint, TimeSpan.FromSeconds(60));
        try
        {
            await wire.SendAsync(RawWireClient.StartupMessage(("user", user), ("database", database)));
            while (true)
            {
                var message = await wire.ReadMessageAsync();
                Assert.True(message is not null, "the console closed the connection during log-in");
                var (type, body) = message.Value;
                if (type == 'R' && BinaryPrimitives.ReadInt32BigEndian(body) == 3)
                {
                    await wire.SendAsync(PasswordMessage(password));
                }
                else if (type == 'E')
                {
                    throw new AdminLoginRefused(RawWireClient.Field(body, 'C')!, RawWireClient.Field(body, 'M')!);
                }
                else if (type == 'Z')
                {
                    return new AdminConsoleClient(wire);
                }
            }
        }
        catch
        {
            wire.Dispose();
            throw;
        }
    }

    /// <summary>Sends one Query and reads everything up to its ReadyForQuery.</summary>
    public async Task<AdminResult> QueryAsync(string text)
    {
        await wire.SendAsync(RawWireClient.Query(text));
        return await ReadResultAsync();
    }

    /// <summary>Sends raw bytes (extended-protocol messages) and reads up to the ReadyForQuery.</summary>
    public async Task<AdminResult> SendAsync(byte[] messages)
    {
        await wire.SendAsync(messages);
        return await ReadResultAsync();
    }

    public async Task<AdminResult> ReadResultAsync()
    {
        var result = new AdminResult();
        while (true)
        {
            var message = await wire.ReadMessageAsync();
            Assert.True(message is not null, "the console closed the connection");
            var (type, body) = message.Value;
            switch (type)
            {
                case 'T':
                    result.Columns.AddRange(Columns(body));
                    break;
                case 'D':
                    result.Rows.Add(Row(body));
                    break;
                case 'C':
                    result.Tag = Encoding.UTF8.GetString(body, 0, body.Length - 1);
                    break;
                case 'E':
                    result.ErrorCode = RawWireClient.Field(body, 'C');
                    result.ErrorMessage = RawWireClient.Field(body, 'M');
                    break;
                case 'N':
                    result.Notice = $"{RawWireClient.Field(body, 'M')}{RawWireClient.Field(body, 'D')}";
                    break;
                case 'Z':
                    return result;
            }
        }
    }

    public void Dispose() => wire.Dispose();

    private static byte[] PasswordMessage(string password)
    {
        var text = Encoding.UTF8.GetBytes(password);
        var message = new byte[5 + text.Length + 1];
        message[0] = (byte)'p';
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), message.Length - 1);
        text.CopyTo(message, 5);
        return message;
    }

    private static List<(string Name, int TypeOid)> Columns(byte[] body)
    {
        var count = BinaryPrimitives.ReadInt16BigEndian(body);
        var at = 2;
        var columns = new List<(string, int)>(count);
        for (var i = 0; i < count; i++)
        {
            var end = Array.IndexOf(body, (byte)0, at);
            var name = Encoding.UTF8.GetString(body, at, end - at);
            at = end + 1;
            columns.Add((name, BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(at + 6))));
            at += 18;
        }
        return columns;
    }

    private static string?[] Row(byte[] body)
    {
        var count = BinaryPrimitives.ReadInt16BigEndian(body);
        var at = 2;
        var values = new string?[count];
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(at));
            at += 4;
            if (length >= 0)
            {
                values[i] = Encoding.UTF8.GetString(body, at, length);
                at += length;
            }
        }
        return values;
    }
}

/// <summary>An answer of the console: a result (columns and rows), a tag, an error, a notice.</summary>
internal sealed class AdminResult
{
    public List<(string Name, int TypeOid)> Columns { get; } = [];

    public List<string?[]> Rows { get; } = [];

    public string? Tag { get; set; }

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }

    public string? Notice { get; set; }

    /// <summary>The rows whose <paramref name="column"/> is <paramref name="value"/>.</summary>
    public List<string?[]> Where(string column, string value) => Rows.FindAll(r => r[Index(column)] == value);

    /// <summary>The one row whose <paramref name="column"/> is <paramref name="value"/>, as column → value.</summary>
    public Dictionary<string, string?> Single(string column, string value)
    {
        var row = Assert.Single(Where(column, value));
        return Columns.Select((c, i) => (c.Name, row[i])).ToDictionary(p => p.Name, p => p.Item2);
    }

    public int Index(string column) => Columns.FindIndex(c => c.Name == column) is var i and >= 0 ? i : throw new KeyNotFoundException(column);

    public override string ToString() =>
        ErrorCode is not null ? $"{ErrorCode} {ErrorMessage}" : $"{Tag}: {string.Join(",", Columns.Select(c => c.Name))}\n{string.Join("\n", Rows.Select(r => string.Join("|", r)))}";
}

/// <summary>The console refused the log-in.</summary>
internal sealed class AdminLoginRefused(string sqlState, string message) : Exception($"{sqlState} {message}")
{
    public string SqlState { get; } = sqlState;
}
