using System.Net;
using System.Net.Sockets;
using System.Text;
using Pgway.Health;
using Pgway.Model;
using Pgway.Tests.Testing;

namespace Pgway.Tests.Health;

/// <summary>The HTTP check against a scripted server on loopback: what is sent, and how every kind of answer is read.</summary>
public sealed class HttpHealthProbeTests : IDisposable
{
    private static readonly CheckDeadlines Long = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));

    private readonly TcpListener listener = new(IPAddress.Loopback, 0);

    public HttpHealthProbeTests() => listener.Start();

    private int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    private CheckTarget Target(string path = "/primary", string method = "OPTIONS") =>
        new(HealthCheckKind.Http, "127.0.0.1", Port, method, path);

    [Theory]
    [InlineData("HTTP/1.0 200 OK\r\n\r\n", nameof(CheckStatus.L7Ok), 200)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", nameof(CheckStatus.L7Ok), 200)]
    [InlineData("HTTP/1.0 503 Service Unavailable\r\n\r\n", nameof(CheckStatus.L7Status), 503)]
    [InlineData("HTTP/1.0 404 Not Found\r\n\r\n", nameof(CheckStatus.L7Status), 404)]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n", nameof(CheckStatus.L7Response), null)]
    [InlineData("", nameof(CheckStatus.L7Response), null)]
    [InlineData("HTTP/1.0 2x0 OK\r\n\r\n", nameof(CheckStatus.L7Response), null)]
    public async Task Probe_Answer_ReadsStatusLine(string answer, string expected, int? code)
    {
        var server = AnswerOnceAsync(answer);
        await using var probe = new HttpHealthProbe(Target(), TimeProvider.System);

        var result = await probe.ProbeAsync(Long, CancellationToken.None);

        Assert.Equal(Enum.Parse<CheckStatus>(expected), result.Status);
        Assert.Equal(code, result.Code);
        Assert.Equal("OPTIONS /primary HTTP/1.0\r\n\r\n", await server);
    }

    [Fact]
    public async Task Probe_StatusLineInPieces_ReadsWholeLine()
    {
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            await ReadRequestAsync(stream);
            foreach (var piece in new[] { "HTTP/1.0 ", "503 Serv", "ice Unavailable\r\n\r\n" })
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(piece));
                await stream.FlushAsync();
            }
        });
        await using var probe = new HttpHealthProbe(Target(), TimeProvider.System);

        var result = await probe.ProbeAsync(Long, CancellationToken.None);
        await server;

        Assert.Equal(503, result.Code);
        Assert.Equal("HTTP/1.0 503 Service Unavailable", result.Detail);
    }

    [Fact]
    public async Task Probe_MethodAndQuery_SentAsConfigured()
    {
        var server = AnswerOnceAsync("HTTP/1.0 200 OK\r\n\r\n");
        await using var probe = new HttpHealthProbe(Target("/replica?lag=1MB&tag_dc=a", "GET"), TimeProvider.System);

        await probe.ProbeAsync(Long, CancellationToken.None);

        Assert.Equal("GET /replica?lag=1MB&tag_dc=a HTTP/1.0\r\n\r\n", await server);
    }

    [Fact]
    public async Task Probe_NothingListening_IsRefused()
    {
        var port = Port;
        listener.Stop();
        await using var probe = new HttpHealthProbe(new CheckTarget(HealthCheckKind.Http, "127.0.0.1", port, "OPTIONS", "/"), TimeProvider.System);

        var result = await probe.ProbeAsync(Long, CancellationToken.None);

        Assert.Equal(CheckStatus.L4Connection, result.Status);
        Assert.Equal("connection refused", result.Detail);
        Assert.False(result.Passes(200));
    }

    [Fact]
    public async Task Probe_ServerNeverAnswers_TimesOutAtTotalTimeout()
    {
        var time = new SleepWatchingTimeProvider(new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero));
        using var accepted = new SemaphoreSlim(0);
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            await ReadRequestAsync(client.GetStream());
            accepted.Release();
            // Hold the connection open without answering until the probe gives up and closes it.
            var buffer = new byte[16];
            while (await client.GetStream().ReadAsync(buffer) > 0)
            {
            }
        });
        await using var probe = new HttpHealthProbe(Target(), time);

        var probing = probe.ProbeAsync(new CheckDeadlines(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4)), CancellationToken.None);
        Assert.True(await accepted.WaitAsync(TimeSpan.FromSeconds(10)));
        // The server may read the request before the probe, back from sending it, starts the answer's timer.
        await time.WaitForTimerDueAtAsync(time.Start + TimeSpan.FromSeconds(3));
        Assert.False(probing.IsCompleted);
        // The answer's deadline counts from the request: 3 s after it, not 4 s after the start.
        time.Advance(TimeSpan.FromSeconds(3));
        var result = await probing.WaitAsync(TimeSpan.FromSeconds(10));
        await server.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(CheckStatus.L7Timeout, result.Status);
        Assert.Equal("L7TOUT", result.Reason);
        Assert.Equal("no status line within 3000 ms", result.Detail);
    }

    private Task<string> AnswerOnceAsync(string answer) => Task.Run(async () =>
    {
        using var client = await listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var request = await ReadRequestAsync(stream);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(answer));
        client.Client.Shutdown(SocketShutdown.Send);
        return request;
    });

    private static async Task<string> ReadRequestAsync(NetworkStream stream)
    {
        var received = new StringBuilder();
        var buffer = new byte[256];
        while (!received.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return received.ToString();
    }

    public void Dispose() => listener.Dispose();
}
