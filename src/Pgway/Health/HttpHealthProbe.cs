using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Pgway.Health;

/// <summary>
/// An HTTP check as HAProxy's <c>option httpchk</c> runs it: a new connection per check, one
/// <c>HTTP/1.0</c> request line, and only the status line of the answer read. Written on a bare
/// socket rather than HttpClient because the check's meaning is in what HttpClient hides: connect and
/// answer timed separately, refused versus timed out versus malformed (HAProxy's L4CON, L4TOUT, L7TOUT,
/// L7RSP), no connection reuse between checks. With <see cref="CheckTarget.CaFile"/> the same request goes over
/// TLS, as HAProxy's <c>check-ssl ca-file</c>: the server's chain must end at that CA; its name is not checked
/// (HAProxy checks it only with <c>verifyhost</c>, which Pigsty does not set).
/// </summary>
internal sealed class HttpHealthProbe(CheckTarget target, TimeProvider time) : IHealthProbe
{
    private const int MaxStatusLine = 1024;

    private readonly byte[] request = Encoding.ASCII.GetBytes($"{target.Method} {target.Path} HTTP/1.0\r\n\r\n");

    // Loaded once per probe; a file that cannot be read is tried again at the next check, so fixing it heals.
    private X509Certificate2Collection? loadedAuthorities;

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
            return Result(Transport.LocalSocketErrors.IsLocal(e.SocketErrorCode) ? CheckStatus.LocalError : CheckStatus.L4Connection, null, started, Describe(e));
        }
        using (socket)
        {
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            try
            {
                if (target.CaFile is { } caFile)
                {
                    // HAProxy's timeout check covers the handshake as well as the answer.
                    using var handshake = new CancellationTokenSource(deadlines.Response, time);
                    using var shaking = CancellationTokenSource.CreateLinkedTokenSource(linked.Token, handshake.Token);
                    var (tls, failure) = await HandshakeAsync(stream, caFile, started, deadlines, cancellationToken, shaking.Token);
                    if (failure is not null)
                    {
                        return failure;
                    }
                    stream = tls!;
                }
                await stream.WriteAsync(request, linked.Token);
                // HAProxy's timeout check runs from the moment the request is out.
                using var response = new CancellationTokenSource(deadlines.Response, time);
                using var answering = CancellationTokenSource.CreateLinkedTokenSource(linked.Token, response.Token);
                return await ReadStatusLineAsync(stream, started, answering.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return Result(CheckStatus.L7Timeout, null, started, $"no status line within {Ms(deadlines.Response)}");
            }
            catch (SocketException e)
            {
                return Result(CheckStatus.L7Response, null, started, Describe(e));
            }
            catch (IOException e)
            {
                return Result(CheckStatus.L7Response, null, started, e.InnerException is SocketException inner ? Describe(inner) : e.Message);
            }
            finally
            {
                await stream.DisposeAsync();
            }
        }
    }

    /// <summary>The TLS session, or the failed check (L6RSP, L6TOUT) that says why there is none.</summary>
    private async Task<(SslStream? Stream, CheckResult? Failure)> HandshakeAsync(Stream plain, string caFile, long started, CheckDeadlines deadlines, CancellationToken caller, CancellationToken cancellationToken)
    {
        X509Certificate2Collection authorities;
        try
        {
            authorities = Authorities(caFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return (null, Result(CheckStatus.L6Response, null, started, $"cannot read the CA file {caFile}: {e.Message}"));
        }
        string? refused = null;
        var tls = new SslStream(plain, leaveInnerStreamOpen: true);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = target.Address,
                RemoteCertificateValidationCallback = (_, certificate, chain, _) => Verify(certificate, chain, authorities, out refused),
            }, cancellationToken);
            return (tls, null);
        }
        catch (OperationCanceledException) when (!caller.IsCancellationRequested)
        {
            await tls.DisposeAsync();
            return (null, Result(CheckStatus.L6Timeout, null, started, $"no TLS handshake within {Ms(deadlines.Response)}"));
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await tls.DisposeAsync();
            return (null, Result(CheckStatus.L6Response, null, started, refused ?? $"TLS handshake failed: {e.Message}"));
        }
    }

    private X509Certificate2Collection Authorities(string caFile)
    {
        if (loadedAuthorities is null)
        {
            var loaded = new X509Certificate2Collection();
            loaded.ImportFromPemFile(caFile);
            if (loaded.Count == 0)
            {
                throw new CryptographicException("no PEM certificate in it");
            }
            loadedAuthorities = loaded;
        }
        return loadedAuthorities;
    }

    /// <summary>The server's chain must end at one of the CA file's certificates; the name is not checked (no <c>verifyhost</c>).</summary>
    private static bool Verify(X509Certificate? certificate, X509Chain? presented, X509Certificate2Collection authorities, out string? refused)
    {
        refused = null;
        if (certificate is not X509Certificate2 leaf)
        {
            refused = "the server sent no certificate";
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        if (chain.Build(leaf))
        {
            return true;
        }
        var status = chain.ChainStatus.Length > 0 ? chain.ChainStatus[0].StatusInformation.Trim() : "untrusted";
        refused = $"certificate '{leaf.Subject}' is not signed by the CA in the CA file: {status}";
        return false;
    }

    private async Task<CheckResult> ReadStatusLineAsync(Stream stream, long started, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxStatusLine);
        try
        {
            var filled = 0;
            while (filled < MaxStatusLine)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(filled, MaxStatusLine - filled), cancellationToken);
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
