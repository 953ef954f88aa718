using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Pgway.Health;
using Pgway.Model;

namespace Pgway.Tests.Health;

/// <summary>
/// The HTTP check over TLS (Pigsty's <c>patroni_ssl_enabled</c>) against a real TLS server on loopback, with a
/// CA made for the test: verified as HAProxy's <c>check-ssl ca-file</c> verifies, the chain but not the name.
/// </summary>
public sealed class HttpHealthProbeTlsTests : IDisposable
{
    private static readonly CheckDeadlines Long = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));

    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly string directory = Directory.CreateTempSubdirectory("pgway-tls-").FullName;

    public HttpHealthProbeTlsTests() => listener.Start();

    private int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public void Dispose()
    {
        listener.Stop();
        listener.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private static X509Certificate2 Authority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    // A certificate named for another host: HAProxy without verifyhost does not check the name, nor does pgway.
    private static X509Certificate2 Leaf(X509Certificate2 authority)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pg-test-1.example", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = request.Create(authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(key);
        // Through PKCS#12 so the key is usable by the TLS server on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private string CaFile(X509Certificate2 authority)
    {
        var path = Path.Combine(directory, "ca.crt");
        File.WriteAllText(path, authority.ExportCertificatePem());
        return path;
    }

    private CheckTarget Target(string? caFile) => new(HealthCheckKind.Http, "127.0.0.1", Port, "OPTIONS", "/primary") { CaFile = caFile };

    /// <summary>One TLS session: the request line read, then the answer; a failed handshake ends it quietly.</summary>
    private Task<string?> ServeTlsOnceAsync(X509Certificate2 certificate, string answer) => Task.Run(async () =>
    {
        using var client = await listener.AcceptTcpClientAsync();
        await using var tls = new SslStream(client.GetStream());
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate });
            var buffer = new byte[256];
            var read = await tls.ReadAsync(buffer);
            await tls.WriteAsync(Encoding.ASCII.GetBytes(answer));
            await tls.FlushAsync();
            return Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            // With TLS 1.3 the server finishes its side first: a client that refuses the certificate resets the read.
            return null;
        }
    });

    [Fact]
    public async Task Probe_ServerSignedByTheCa_AnswerReadOverTls()
    {
        using var authority = Authority("pigsty-ca");
        using var leaf = Leaf(authority);
        var server = ServeTlsOnceAsync(leaf, "HTTP/1.0 200 OK\r\n\r\n");
        await using var probe = new HttpHealthProbe(Target(CaFile(authority)), TimeProvider.System);

        var result = await probe.ProbeAsync(Long, CancellationToken.None);

        Assert.Equal((CheckStatus.L7Ok, 200), (result.Status, result.Code));
        Assert.Equal("OPTIONS /primary HTTP/1.0\r\n\r\n", await server);
    }

    [Fact]
    public async Task Probe_ServerSignedByAnotherCa_L6Rsp()
    {
        using var authority = Authority("pigsty-ca");
        using var stranger = Authority("someone-else");
        using var leaf = Leaf(stranger);
        var server = ServeTlsOnceAsync(leaf, "HTTP/1.0 200 OK\r\n\r\n");
        await using var probe = new HttpHealthProbe(Target(CaFile(authority)), TimeProvider.System);

        var result = await probe.ProbeAsync(Long, CancellationToken.None);

        Assert.Equal(CheckStatus.L6Response, result.Status);
        Assert.Equal("L6RSP", result.Reason);
        Assert.Contains("not signed by the CA", result.Detail, StringComparison.Ordinal);
        Assert.Null(await server);
    }

    [Fact]
    public async Task Probe_PlainHttpServer_L6RspNotAnAnswer()
    {
        using var authority = Authority("pigsty-ca");
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var buffer = new byte[512];
            _ = await stream.ReadAsync(buffer);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.0 400 Bad Request\r\n\r\n"));
        });
        await using var probe = new HttpHealthProbe(Target(CaFile(authority)), TimeProvider.System);

        var result = await probe.ProbeAsync(Long, CancellationToken.None);

        Assert.Equal(CheckStatus.L6Response, result.Status);
        await server;
    }

    [Fact]
    public async Task Probe_CaFileMissing_L6RspNamingTheFile()
    {
        var accepted = listener.AcceptTcpClientAsync();
        var missing = Path.Combine(directory, "absent.crt");
        await using var probe = new HttpHealthProbe(Target(missing), TimeProvider.System);

        var result = await probe.ProbeAsync(Long, CancellationToken.None);

        Assert.Equal(CheckStatus.L6Response, result.Status);
        Assert.Contains(missing, result.Detail, StringComparison.Ordinal);
        (await accepted).Dispose();
    }
}
