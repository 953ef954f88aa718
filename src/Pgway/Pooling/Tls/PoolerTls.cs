using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Pgway.Model;

namespace Pgway.Pooling.Tls;

/// <summary>
/// A pooler's TLS, as PgBouncer's settings say, with its files read once at start-up: towards clients
/// (<c>client_tls_*</c>: the pooler's certificate, the CA its clients' certificates must chain to) and
/// towards the server (<c>server_tls_*</c>: the CA the server's certificate must chain to, pgway's own
/// client certificate). Relative paths are read from the inventory's folder.
/// </summary>
internal sealed class PoolerTls
{
    /// <summary>PostgreSQL's ALPN protocol name (PostgreSQL 17), required for a direct TLS handshake.</summary>
    public static readonly SslApplicationProtocol Alpn = new("postgresql");

    private readonly X509Certificate2Collection? clientCa;
    private readonly X509Certificate2Collection? serverCa;
    private readonly SslStreamCertificateContext? serverCertificate;
    private readonly SslStreamCertificateContext? clientCertificate;
    private readonly SslProtocols clientProtocols;
    private readonly SslProtocols serverProtocols;
    private readonly string clientCaFile;
    private readonly string serverCaFile;

    private PoolerTls(PoolerSettings settings, string folder)
    {
        var values = settings.Settings;
        ClientMode = settings.ClientTlsMode;
        ServerMode = settings.ServerTlsMode;
        clientProtocols = Protocols(values["client_tls_protocols"]);
        serverProtocols = Protocols(values["server_tls_protocols"]);
        clientCaFile = Resolve(folder, values["client_tls_ca_file"]);
        serverCaFile = Resolve(folder, values["server_tls_ca_file"]);
        if (ClientMode != TlsMode.Disable)
        {
            var certificate = LoadCertificate(folder, values, "client_tls_cert_file", "client_tls_key_file");
            serverCertificate = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
            if (ClientMode >= TlsMode.VerifyCa)
            {
                clientCa = LoadCa(clientCaFile, "client_tls_ca_file");
            }
        }
        if (ServerMode != TlsMode.Disable)
        {
            if (values["server_tls_cert_file"].Length > 0 || values["server_tls_key_file"].Length > 0)
            {
                var certificate = LoadCertificate(folder, values, "server_tls_cert_file", "server_tls_key_file");
                clientCertificate = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
            }
            if (ServerMode >= TlsMode.VerifyCa && serverCaFile.Length > 0)
            {
                serverCa = LoadCa(serverCaFile, "server_tls_ca_file");
            }
        }
        ClientOptions = ClientMode == TlsMode.Disable ? null : new SslServerAuthenticationOptions
        {
            ServerCertificateContext = serverCertificate,
            EnabledSslProtocols = clientProtocols,
            ApplicationProtocols = [Alpn],
            // Asked for only when it is checked, as PgBouncer does; checked after the handshake, so
            // a client without a good one is told why in PostgreSQL's words instead of a TLS alert.
            ClientCertificateRequired = ClientMode >= TlsMode.VerifyCa,
#pragma warning disable CA5359 // A client's certificate is checked after the handshake (IsTrustedClient), not here.
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
#pragma warning restore CA5359
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
    }

    /// <summary><c>client_tls_sslmode</c>.</summary>
    public TlsMode ClientMode { get; }

    /// <summary><c>server_tls_sslmode</c>.</summary>
    public TlsMode ServerMode { get; }

    /// <summary>The handshake with clients; null when client TLS is off. One object for every client.</summary>
    public SslServerAuthenticationOptions? ClientOptions { get; }

    /// <summary>Reads the files the settings name.</summary>
    /// <exception cref="InvalidOperationException">A file is missing, unreadable or not what it should be (named with its setting).</exception>
    public static PoolerTls Load(PoolerSettings settings, string folder)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new PoolerTls(settings, folder);
    }

    /// <summary>With client_tls_sslmode verify-ca or verify-full: whether the client's certificate chains to <c>client_tls_ca_file</c>.</summary>
    public bool IsTrustedClient(X509Certificate? certificate)
    {
        if (certificate is null || clientCa is null)
        {
            return false;
        }
        using var chain = NewChain(clientCa);
        using var presented = new X509Certificate2(certificate);
        return chain.Build(presented);
    }

    /// <summary>
    /// The handshake with the server at <paramref name="backend"/> under <c>server_tls_sslmode</c>;
    /// why a certificate was refused is written to <paramref name="refusal"/>, for the error.
    /// </summary>
    public SslClientAuthenticationOptions ServerOptions(IPEndPoint backend, Action<string> refusal)
    {
        var mode = ServerMode;
        var caFile = serverCaFile;
        var options = new SslClientAuthenticationOptions
        {
            // An IP address: no SNI is sent, and verify-full matches it against the certificate's IP SANs.
            TargetHost = backend.Address.ToString(),
            EnabledSslProtocols = serverProtocols,
            ApplicationProtocols = [Alpn],
            ClientCertificateContext = clientCertificate,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, _, chain, errors) =>
            {
                if (mode < TlsMode.VerifyCa)
                {
                    return true;
                }
                if (mode == TlsMode.VerifyCa)
                {
                    errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
                }
                if (errors == SslPolicyErrors.None)
                {
                    return true;
                }
                refusal(Explain(errors, chain, backend, caFile));
                return false;
            },
        };
        if (serverCa is not null)
        {
            options.CertificateChainPolicy = NewChainPolicy(serverCa);
        }
        return options;
    }

    private static string Explain(SslPolicyErrors errors, X509Chain? chain, IPEndPoint backend, string caFile)
    {
        var reasons = new List<string>();
        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            reasons.Add("the server sent no certificate");
        }
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            reasons.Add($"its certificate does not name {backend.Address}");
        }
        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            var status = chain is null ? "" : string.Join(", ", chain.ChainStatus.Select(s => s.Status).Distinct());
            reasons.Add($"its certificate does not chain to {(caFile.Length > 0 ? $"server_tls_ca_file {caFile}" : "the system's trusted CAs")}{(status.Length > 0 ? $" ({status})" : "")}");
        }
        return string.Join("; ", reasons);
    }

    private static X509Chain NewChain(X509Certificate2Collection ca)
    {
        var chain = new X509Chain();
        chain.ChainPolicy = NewChainPolicy(ca);
        return chain;
    }

    private static X509ChainPolicy NewChainPolicy(X509Certificate2Collection ca)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(ca);
        return policy;
    }

    // PgBouncer's words: secure (its default), all and legacy, or a list of tlsv1.x.
    private static SslProtocols Protocols(string words)
    {
        var protocols = SslProtocols.None;
        foreach (var word in words.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            protocols |= word switch
            {
                "secure" or "all" or "legacy" => SslProtocols.Tls12 | SslProtocols.Tls13,
                "tlsv1.2" => SslProtocols.Tls12,
                "tlsv1.3" => SslProtocols.Tls13,
                _ => SslProtocols.None,
            };
        }
        return protocols == SslProtocols.None ? SslProtocols.Tls12 | SslProtocols.Tls13 : protocols;
    }

    private static string Resolve(string folder, string path) => path.Length == 0 ? "" : Path.GetFullPath(Path.Combine(folder, path));

    private static X509Certificate2 LoadCertificate(string folder, System.Collections.Immutable.ImmutableSortedDictionary<string, string> values, string certSetting, string keySetting)
    {
        var certFile = Resolve(folder, values[certSetting]);
        var keyFile = Resolve(folder, values[keySetting]);
        var certText = Read(certFile, certSetting);
        var keyText = Read(keyFile, keySetting);
        try
        {
            return X509Certificate2.CreateFromPem(certText, keyText);
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException(
                $"pgbouncer_{certSetting} '{certFile}' with pgbouncer_{keySetting} '{keyFile}' is not a PEM certificate with its private key: {e.Message}", e);
        }
    }

    private static X509Certificate2Collection LoadCa(string file, string setting)
    {
        var text = Read(file, setting);
        var ca = new X509Certificate2Collection();
        try
        {
            ca.ImportFromPem(text);
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException($"pgbouncer_{setting} '{file}' is not a PEM certificate file: {e.Message}", e);
        }
        if (ca.Count == 0)
        {
            throw new InvalidOperationException($"pgbouncer_{setting} '{file}' holds no PEM certificate");
        }
        return ca;
    }

    private static string Read(string path, string setting)
    {
        if (path.Length == 0)
        {
            throw new InvalidOperationException($"pgbouncer_{setting} is not set, and the TLS settings need it");
        }
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"pgbouncer_{setting} '{path}' cannot be read: {e.Message}", e);
        }
    }
}
