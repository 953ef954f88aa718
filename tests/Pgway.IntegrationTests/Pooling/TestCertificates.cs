using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// A throw-away PKI in a temp folder, as PEM files: a CA, a server certificate for one IP address
/// (a SAN, as verify-full checks), a client certificate, and a second CA with a client certificate of
/// its own (what a CA that is not trusted signs). Keys are ECDSA P-256, files 0600 as libpq and
/// PostgreSQL want them. Disposing deletes the folder.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly DirectoryInfo directory;

    private TestCertificates(DirectoryInfo directory)
    {
        this.directory = directory;
    }

    public string Folder => directory.FullName;

    public string CaFile => Path.Combine(Folder, "ca.crt");

    public string ServerCertFile => Path.Combine(Folder, "server.crt");

    public string ServerKeyFile => Path.Combine(Folder, "server.key");

    public string ClientCertFile => Path.Combine(Folder, "client.crt");

    public string ClientKeyFile => Path.Combine(Folder, "client.key");

    /// <summary>A CA that signed none of the above.</summary>
    public string OtherCaFile => Path.Combine(Folder, "other-ca.crt");

    public string OtherClientCertFile => Path.Combine(Folder, "other-client.crt");

    public string OtherClientKeyFile => Path.Combine(Folder, "other-client.key");

    /// <summary>The PEM text of the server certificate and its key.</summary>
    public (string Certificate, string Key) ServerPem => (File.ReadAllText(ServerCertFile), File.ReadAllText(ServerKeyFile));

    public static TestCertificates Create(IPAddress serverAddress, string clientUser)
    {
        var certificates = new TestCertificates(Directory.CreateTempSubdirectory("pgway-tls-"));
        try
        {
            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var ca = NewCa("pgway test CA", caKey);
            Write(certificates.CaFile, ca.ExportCertificatePem());
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(serverAddress);
            Issue(ca, caKey, "pgway test server", "1.3.6.1.5.5.7.3.1", san.Build(), certificates.ServerCertFile, certificates.ServerKeyFile);
            Issue(ca, caKey, clientUser, "1.3.6.1.5.5.7.3.2", null, certificates.ClientCertFile, certificates.ClientKeyFile);

            using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var other = NewCa("some other CA", otherKey);
            Write(certificates.OtherCaFile, other.ExportCertificatePem());
            Issue(other, otherKey, clientUser, "1.3.6.1.5.5.7.3.2", null, certificates.OtherClientCertFile, certificates.OtherClientKeyFile);
            return certificates;
        }
        catch
        {
            certificates.Dispose();
            throw;
        }
    }

    public void Dispose() => directory.Delete(recursive: true);

    /// <summary>A client's side of a handshake with the pooler: its certificate must chain to <see cref="CaFile"/> and name <paramref name="host"/>.</summary>
    public SslClientAuthenticationOptions TrustingCa(string host, params string[] alpn)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.ImportFromPemFile(CaFile);
        return new SslClientAuthenticationOptions
        {
            TargetHost = host,
            CertificateChainPolicy = policy,
            ApplicationProtocols = alpn.Length == 0 ? null : [.. alpn.Select(name => new SslApplicationProtocol(name))],
        };
    }

    private static X509Certificate2 NewCa(string name, ECDsa key)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
    }

    private static void Issue(X509Certificate2 ca, ECDsa caKey, string name, string usage, X509Extension? san, string certFile, string keyFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (san is not null)
        {
            request.CertificateExtensions.Add(san);
        }
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var signer = X509SignatureGenerator.CreateForECDsa(caKey);
        using var certificate = request.Create(ca.SubjectName, signer, now.AddHours(-1), now.AddDays(7), serial);
        Write(certFile, certificate.ExportCertificatePem());
        Write(keyFile, key.ExportPkcs8PrivateKeyPem());
    }

    private static void Write(string path, string pem)
    {
        File.WriteAllText(path, pem + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
