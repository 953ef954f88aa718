using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pgway.Pooling.Authentication;

/// <summary>
/// pgway logging in to a server with SCRAM-SHA-256: with the password, or with a client's ClientKey
/// recovered by <see cref="ScramServerExchange"/> — which works when the server's verifier has the
/// salt and iteration count of the verifier the client was checked against.
/// </summary>
internal sealed class ScramClientExchange
{
    private readonly string? password;
    private readonly ScramVerifier? verifier;
    private readonly byte[]? clientKey;
    private readonly string clientNonce;
    private byte[]? serverKey;
    private string? authMessage;

    /// <summary>
    /// The most PBKDF2 rounds pgway does for a server's challenge. PostgreSQL's default is 4096 and
    /// OWASP's advice for PBKDF2-HMAC-SHA-256 600,000, both well under; a server asking for more (say
    /// 2,000,000,000, which PostgreSQL's scram_iterations allows) would hold the loop thread for minutes
    /// at each log-in. At the cap one derivation costs about a third of a second.
    /// </summary>
    public const int MaxIterations = 1_000_000;

    private ScramClientExchange(string? password, ScramVerifier? verifier, byte[]? clientKey, string? clientNonce)
    {
        this.password = password;
        this.verifier = verifier;
        this.clientKey = clientKey;
        this.clientNonce = clientNonce ?? Scram.NewNonce();
    }

    public static ScramClientExchange WithPassword(string password, string? clientNonce = null) =>
        new(password ?? throw new ArgumentNullException(nameof(password)), null, null, clientNonce);

    /// <param name="verifier">The verifier the client's proof was checked against.</param>
    public static ScramClientExchange WithClientKey(ScramVerifier verifier, byte[] clientKey, string? clientNonce = null) =>
        new(null, verifier ?? throw new ArgumentNullException(nameof(verifier)), clientKey ?? throw new ArgumentNullException(nameof(clientKey)), clientNonce);

    /// <summary>client-first-message-bare; PostgreSQL ignores the user name here (it is in the start-up packet).</summary>
    private string ClientFirstBare => $"n=,r={clientNonce}";

    public byte[] ClientFirst() => Encoding.UTF8.GetBytes($"n,,{ClientFirstBare}");

    /// <summary>Reads server-first and writes client-final with the proof.</summary>
    public bool TryContinue(ReadOnlySpan<byte> serverFirstMessage, out byte[] clientFinal, out string? error)
    {
        clientFinal = [];
        var serverFirst = Encoding.UTF8.GetString(serverFirstMessage);
        if (!Scram.TryParseAttributes(serverFirst, out var attributes) || attributes.Count < 3
            || attributes[0].Key != 'r' || attributes[1].Key != 's' || attributes[2].Key != 'i'
            || !attributes[0].Value.StartsWith(clientNonce, StringComparison.Ordinal) || attributes[0].Value.Length == clientNonce.Length
            || !int.TryParse(attributes[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
        {
            error = "the server's SCRAM server-first message is malformed";
            return false;
        }
        if (iterations > MaxIterations && password is not null)
        {
            error = $"the server asks for {iterations.ToString(CultureInfo.InvariantCulture)} SCRAM iterations, more than pgway computes ({MaxIterations.ToString(CultureInfo.InvariantCulture)}): lower scram_iterations and set the user's password again";
            return false;
        }
        byte[] salt;
        try
        {
            salt = Convert.FromBase64String(attributes[1].Value);
        }
        catch (FormatException)
        {
            error = "the server's SCRAM salt is not base64";
            return false;
        }
        byte[] key;
        byte[] storedKey;
        if (password is not null)
        {
            var salted = SaltedPasswords.For(password, salt, iterations);
            key = Scram.Hmac(salted, "Client Key");
            storedKey = SHA256.HashData(key);
            serverKey = Scram.Hmac(salted, "Server Key");
        }
        else if (verifier!.Iterations == iterations && verifier.Salt.AsSpan().SequenceEqual(salt))
        {
            key = clientKey!;
            storedKey = verifier.StoredKey;
            serverKey = verifier.ServerKey;
        }
        else
        {
            error = "the server's SCRAM verifier differs from the one pgway checked the client against (other salt or iterations): set the same password hash in both, or give pgway the password";
            return false;
        }
        var withoutProof = $"c={Scram.NoChannelBinding},r={attributes[0].Value}";
        authMessage = $"{ClientFirstBare},{serverFirst},{withoutProof}";
        var proof = Scram.Xor(key, Scram.Hmac(storedKey, authMessage));
        clientFinal = Encoding.UTF8.GetBytes($"{withoutProof},p={Convert.ToBase64String(proof)}");
        error = null;
        return true;
    }

    /// <summary>Checks the server's signature in server-final: the server knew the verifier too.</summary>
    public bool TryVerify(ReadOnlySpan<byte> serverFinalMessage, out string? error)
    {
        var serverFinal = Encoding.UTF8.GetString(serverFinalMessage);
        if (serverFinal.StartsWith("e=", StringComparison.Ordinal))
        {
            error = $"the server refused the SCRAM proof: {serverFinal[2..]}";
            return false;
        }
        if (authMessage is null || !serverFinal.StartsWith("v=", StringComparison.Ordinal))
        {
            error = "the server's SCRAM server-final message is malformed";
            return false;
        }
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(serverFinal[2..]);
        }
        catch (FormatException)
        {
            error = "the server's SCRAM signature is not base64";
            return false;
        }
        if (!CryptographicOperations.FixedTimeEquals(signature, Scram.Hmac(serverKey!, authMessage)))
        {
            error = "the server's SCRAM signature is wrong: it does not know this user's verifier";
            return false;
        }
        error = null;
        return true;
    }
}
