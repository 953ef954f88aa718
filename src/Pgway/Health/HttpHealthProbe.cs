using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pgway.Health;

/// <summary>
/// An HTTP check as HAProxy's <c>option httpchk</c> runs it: a new connection per check, one
/// <c>HTTP/1.0</c> request line, and only the status line of the answer read. Written on a bare
/// socket rather than HttpClient because the check's meaning is in what HttpClient hides: connect and
/// answer timed separately, refused versus timed out versus malformed (HAProxy's L4CON, L4TOUT, L7TOUT,
/// L7RSP), no connection reuse between checks.
/// </summary>
public sealed class HttpHealthProbe(CheckTarget target, TimeProvider time) : IHealthProbe
{
    private const int MaxStatusLine = 1024;

    private readonly byte[] request = Encoding.ASCII.GetBytes($"{target.Method} {target.Path} HTTP/1.0\r\n\r\n");

    public async Task<CheckResult> ProbeAsync(CheckDeadlines deadlines, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var total = new CancellationTokenSource(deadlines.Total, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, total.Token);
        Socket? socket = null;
        try
        {
            EndPoint endpoint = IPAddress.TryParse(target.Address, out var ip) ? new IPEndPoint(ip, target.Port) : new DnsEndPoint(target.Address, target.Port);
            socket = new Socket(endpoint.AddressFamily == AddressFamily.Unspecified ? AddressFamily.InterNetwork : endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            {
                NoDelay = true,
            };
            using (var connect = new CancellationTokenSource(deadlines.Connect, time))
            using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(linked.Token, connect.Token))
            {
                await socket.ConnectAsync(endpoint, connecting.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket?.Dispose();
            return Result(CheckStatus.L4Timeout, null, started, $"no connection within {Ms(deadlines.Connect)}");
        }
        catch (SocketException e)
        {
            socket?.Dispose();
            return Result(Routing.LocalSocketErrors.IsLocal(e.SocketErrorCode) ? CheckStatus.LocalError : CheckStatus.L4Connection, null, started, Describe(e));
        }
        using (socket)
        {
            try
            {
                await socket.SendAsync(request, SocketFlags.None, linked.Token);
                // HAProxy's timeout check runs from the moment the request is out.
                using var response = new CancellationTokenSource(deadlines.Response, time);
                using var answering = CancellationTokenSource.CreateLinkedTokenSource(linked.Token, response.Token);
                return await ReadStatusLineAsync(socket, started, answering.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return Result(CheckStatus.L7Timeout, null, started, $"no status line within {Ms(deadlines.Response)}");
            }
            catch (SocketException e)
            {
                return Result(CheckStatus.L7Response, null, started, Describe(e));
            }
        }
    }

    private async Task<CheckResult> ReadStatusLineAsync(Socket socket, long started, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxStatusLine);
        try
        {
            var filled = 0;
            while (filled < MaxStatusLine)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(filled, MaxStatusLine - filled), SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    break;
                }
                filled += read;
                if (buffer.AsSpan(0, filled).IndexOf((byte)'\n') >= 0)
                {
                    break;
                }
            }
            return Parse(buffer.AsSpan(0, filled), started);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // "HTTP/1.x NNN reason": anything else is not an HTTP answer (L7RSP).
    private CheckResult Parse(ReadOnlySpan<byte> answer, long started)
    {
        var end = answer.IndexOf((byte)'\n');
        var line = Encoding.ASCII.GetString(end >= 0 ? answer[..end] : answer).TrimEnd('\r');
        if (line.Length >= 12 && line.StartsWith("HTTP/1.", StringComparison.Ordinal) && line[8] == ' '
            && int.TryParse(line.AsSpan(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code)
            && code is >= 100 and <= 599)
        {
            return Result(code is >= 200 and < 400 ? CheckStatus.L7Ok : CheckStatus.L7Status, code, started, line);
        }
        var shown = line.Length > 60 ? line[..60] + "…" : line;
        return Result(CheckStatus.L7Response, null, started, answer.IsEmpty ? "closed without an answer" : $"not an HTTP status line: '{shown}'");
    }

    private CheckResult Result(CheckStatus status, int? code, long started, string detail) =>
        new(status, code, time.GetElapsedTime(started), time.GetUtcNow(), detail);

    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.ConnectionReset => "connection reset",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => "unreachable",
        _ => e.Message,
    };

    private static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:0} ms";

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

}
