using System.Buffers;
using Pgway.Pooling;
using Pgway.Protocol;

namespace Pgway.Tests.Pooling;

/// <summary>What the pooler follows of a server's answers, whatever way they are cut into reads.</summary>
public sealed class ServerTrafficTests
{
    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(3)]
    public void Scan_ReadyForQueryEach_SettlesOneRequestAndTellsTheStatus(int readSize)
    {
        var (client, server) = Pair();
        var settled = new List<TransactionStatus>();
        server.ReadyForQuery = settled.Add;
        client.Scan(Messages(w =>
        {
            FrontendMessages.Query(w, "BEGIN");
            FrontendMessages.Query(w, "SELECT 1");
        }));
        Assert.Equal(2, client.Outstanding);

        ScanInReads(server, Messages(w =>
        {
            BackendMessages.CommandComplete(w, "BEGIN");
            BackendMessages.ReadyForQuery(w, TransactionStatus.InTransaction);
            BackendMessages.CommandComplete(w, "SELECT 1");
            BackendMessages.ReadyForQuery(w, TransactionStatus.InTransaction);
        }), readSize);

        Assert.Equal(0, client.Outstanding);
        Assert.Equal([TransactionStatus.InTransaction, TransactionStatus.InTransaction], settled);
        Assert.Equal(TransactionStatus.InTransaction, server.Status);
        Assert.True(server.Idle);
        Assert.False(server.OutOfStep);
    }

    [Fact]
    public void Scan_FunctionCallAnswered_SettledByItsReadyForQuery()
    {
        var (client, server) = Pair();
        // FunctionCall: oid 1, no argument formats, no arguments, text result.
        client.Scan([(byte)'F', 0, 0, 0, 14, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        Assert.Equal(1, client.Outstanding);

        server.Scan(Messages(w => BackendMessages.ReadyForQuery(w, TransactionStatus.Idle)));

        Assert.Equal(0, client.Outstanding);
        Assert.True(client.Idle);
    }

    [Fact]
    public void Scan_HalfAMessage_NotIdleUntilItsEnd()
    {
        var (client, server) = Pair();
        client.Scan(Messages(w => FrontendMessages.Query(w, "SELECT 1")));
        var answer = Messages(w => BackendMessages.ReadyForQuery(w, TransactionStatus.Idle));

        server.Scan(answer.AsSpan(0, 4));
        Assert.False(server.Idle);
        Assert.Equal(1, client.Outstanding);

        server.Scan(answer.AsSpan(4));
        Assert.True(server.Idle);
        Assert.Equal(0, client.Outstanding);
    }

    [Fact]
    public void Scan_ParameterStatus_TheServersAndTheClientsValueNow()
    {
        var clientParameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["TimeZone"] = "UTC" };
        var (_, server) = Pair(clientParameters);
        server.ServerParameters = new Dictionary<string, string>();

        server.Scan(Messages(w =>
        {
            BackendMessages.ParameterStatus(w, "TimeZone", "Europe/Paris");
            BackendMessages.ParameterStatus(w, "is_superuser", "on");
        }));

        Assert.True(server.ParametersChanged);
        Assert.Equal("Europe/Paris", server.ServerParameters["TimeZone"]);
        Assert.Equal("on", server.ServerParameters["is_superuser"]);
        Assert.Equal("Europe/Paris", clientParameters["TimeZone"]);
        // What describes the server is not the client's to carry.
        Assert.False(clientParameters.ContainsKey("is_superuser"));
    }

    [Theory]
    [InlineData("DISCARD ALL", true, true, true)]
    [InlineData("DEALLOCATE ALL", true, false, false)]
    [InlineData("RESET", false, true, false)]
    [InlineData("SELECT 1", false, false, false)]
    public void Scan_CommandComplete_StatementsAndSettingsReset(string tag, bool statementsGone, bool anyReset, bool allReset)
    {
        var (_, server) = Pair();
        var discarded = 0;
        server.StatementsDiscarded = () => discarded++;

        server.Scan(Messages(w => BackendMessages.CommandComplete(w, tag)));

        Assert.Equal(statementsGone ? 1 : 0, discarded);
        Assert.Equal(anyReset, server.SettingsReset.Any);
        Assert.Equal(allReset, server.SettingsReset.All);
    }

    [Fact]
    public void Scan_ParameterStatusAfterReset_ReportedWithTheClientsValueBefore()
    {
        var clientParameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["DateStyle"] = "German, DMY" };
        var (_, server) = Pair(clientParameters);

        server.Scan(Messages(w =>
        {
            BackendMessages.CommandComplete(w, "RESET");
            BackendMessages.ParameterStatus(w, "DateStyle", "ISO, MDY");
        }));

        Assert.Equal("German, DMY", server.SettingsReset.Reported!["DateStyle"]);
        Assert.Equal("ISO, MDY", clientParameters["DateStyle"]);
    }

    [Theory]
    [InlineData("FATAL", true)]
    [InlineData("PANIC", true)]
    [InlineData("ERROR", false)]
    public void Scan_ErrorResponse_FatalAtWhereItStarts(string severity, bool fatal)
    {
        var (_, server) = Pair();
        var before = Messages(w => BackendMessages.CommandComplete(w, "SELECT 1"));
        var error = Messages(w => ErrorResponseWriter.Write(w, Enum.Parse<ErrorSeverity>(severity, ignoreCase: true), SqlState.AdminShutdown, "terminating connection"));

        server.Scan([.. before, .. error]);

        Assert.Equal(fatal ? before.Length : -1, server.FatalAt);
    }

    [Fact]
    public void Scan_FatalInAScanBegunMidMessage_NotLocated()
    {
        var (_, server) = Pair();
        var before = Messages(w => BackendMessages.CommandComplete(w, "SELECT 1"));
        var error = Messages(w => ErrorResponseWriter.Write(w, ErrorSeverity.Fatal, SqlState.AdminShutdown, "terminating connection"));
        var bytes = before.Concat(error).ToArray();

        server.Scan(bytes.AsSpan(0, 3));
        server.Scan(bytes.AsSpan(3));

        Assert.False(server.ScanBeganAtBoundary);
        Assert.Equal(-1, server.FatalAt);
    }

    [Fact]
    public void Scan_CopyInResponse_ClientCopyingInUntilTheCommandCompletes()
    {
        var (client, server) = Pair();

        server.Scan([(byte)'G', 0, 0, 0, 7, 0, 0, 0]);
        Assert.True(client.ServerCopyingIn);

        server.Scan(Messages(w => BackendMessages.CommandComplete(w, "COPY 1")));
        Assert.False(client.ServerCopyingIn);
    }

    [Fact]
    public void Reset_FreshServer_ForgetsWhatTheLastOneSaid()
    {
        var (client, server) = Pair();
        server.Scan([(byte)'G', 0, 0, 0, 7, 0, 0, 0]);
        server.Scan(Messages(w => BackendMessages.ParameterStatus(w, "TimeZone", "UTC")));
        server.Scan(Messages(w => BackendMessages.CommandComplete(w, "RESET")));
        server.Scan(Messages(w => BackendMessages.ReadyForQuery(w, TransactionStatus.Idle)));
        Assert.True(server.OutOfStep);

        server.Reset();

        Assert.False(server.OutOfStep);
        Assert.False(server.ParametersChanged);
        Assert.False(server.SettingsReset.Any);
        Assert.False(client.ServerCopyingIn);
    }

    [Fact]
    public void Scan_Malformed_ErrorNamesIt()
    {
        var (_, server) = Pair();

        Assert.NotNull(server.Scan([(byte)'Z', 0, 0, 0, 2]));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'a', 0, (byte)'b', 0 }, true, "a", "b")]
    [InlineData(new byte[] { (byte)'a', 0, 0 }, true, "a", "")]
    [InlineData(new byte[] { (byte)'a', 0, (byte)'b' }, false, "", "")]
    [InlineData(new byte[] { (byte)'a' }, false, "", "")]
    public void TryParameter_Body_NameAndValue(byte[] body, bool parsed, string name, string value)
    {
        Assert.Equal(parsed, ServerTraffic.TryParameter(body, out var readName, out var readValue));
        Assert.Equal(name, readName);
        Assert.Equal(value, readValue);
    }

    private static (ClientTraffic Client, ServerTraffic Server) Pair(Dictionary<string, string>? clientParameters = null)
    {
        var client = new ClientTraffic();
        return (client, new ServerTraffic(client, clientParameters ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)));
    }

    private static void ScanInReads(ServerTraffic traffic, byte[] bytes, int readSize)
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
