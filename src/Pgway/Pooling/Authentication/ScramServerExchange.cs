using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pgway.Pooling.Authentication;

/// <summary>
/// pgway's side of a client's SCRAM-SHA-256 log-in, checked against a stored verifier: server-first
/// after the client-first message, then the proof checked and server-final written. A client whose
/// proof holds has shown its ClientKey, which pgway keeps (<see cref="ClientKey"/>) to log in to a
/// server with the same verifier as that client — without ever knowing the password.
/// </summary>
internal sealed class ScramServerExchange(ScramVerifier verifier, string? serverNonce = null)
{
    private readonly string serverNonce = serverNonce ?? Scram.NewNonce();
    // PostgreSQL's mock authentication: the exchange runs as for a real user, and no proof holds.
    private bool mock;
    private string? clientFirstBare;
    private string? serverFirst;
    private string? nonce;
    private string? channelBinding;

    /// <summary>
    /// An exchange for a user pgway has no usable secret for (unknown, or no password), as PostgreSQL's
    /// mock authentication runs it: server-first carries <paramref name="salt"/> and
    /// <paramref name="iterations"/> as a real user's would, the client's messages are checked the same
    /// way, and the proof always fails as a wrong password does.
    /// </summary>
    public static ScramServerExchange Mock(byte[] salt, int iterations, string? serverNonce = null) =>
        new(new ScramVerifier(iterations, salt, new byte[32], new byte[32]), serverNonce) { mock = true };

    /// <summary>The client's ClientKey, once its proof has been checked.</summary>
    public byte[]? ClientKey { get; private set; }

    /// <summary>Reads the client-first message and answers with server-first.</summary>
    /// <param name="error">Why the message was refused (a protocol violation, not a wrong password).</param>
    public bool TryStart(ReadOnlySpan<byte> clientFirst, out byte[] serverFirstMessage, out string? error)
    {
        serverFirstMessage = [];
        var text = Encoding.UTF8.GetString(clientFirst);
        // gs2-header: "n" (no channel binding), "y" (could, thinks the server cannot), or "p=…" (binds).
        string header;
        if (text.StartsWith("n,,", StringComparison.Ordinal) || text.StartsWith("y,,", StringComparison.Ordinal))
        {
            header = text[..3];
        }
        else if (text.StartsWith("p=", StringComparison.Ordinal))
        {
            error = "SCRAM channel binding was asked for, but pgway did not offer SCRAM-SHA-256-PLUS";
            return false;
        }
        else
        {
            error = "malformed SCRAM client-first message: bad GS2 header";
            return false;
        }
        clientFirstBare = text[header.Length..];
        if (!Scram.TryParseAttributes(clientFirstBare, out var attributes)
            || attributes.Count < 2 || attributes[0].Key != 'n' || attributes[1].Key != 'r' || attributes[1].Value.Length == 0
            || attributes[1].Value.Contains(',', StringComparison.Ordinal))
        {
            error = "malformed SCRAM client-first message: expected n=<user>,r=<nonce>";
            return false;
        }
        channelBinding = Convert.ToBase64String(Encoding.ASCII.GetBytes(header));
        nonce = attributes[1].Value + this.serverNonce;
        serverFirst = $"r={nonce},s={Convert.ToBase64String(verifier.Salt)},i={verifier.Iterations.ToString(CultureInfo.InvariantCulture)}";
        serverFirstMessage = Encoding.UTF8.GetBytes(serverFirst);
        error = null;
        return true;
    }

    /// <summary>Checks the client's proof; on success answers with server-final.</summary>
    /// <returns>
    /// <see cref="ScramOutcome.Authenticated"/> (then <paramref name="serverFinalMessage"/> is set),
    /// <see cref="ScramOutcome.WrongPassword"/>, or <see cref="ScramOutcome.Malformed"/> with <paramref name="error"/>.
    /// </returns>
    public ScramOutcome Finish(ReadOnlySpan<byte> clientFinal, out byte[] serverFinalMessage, out string? error)
    {
        serverFinalMessage = [];
        error = null;
        if (serverFirst is null)
        {
            error = "SCRAM client-final message before client-first";
            return ScramOutcome.Malformed;
        }
        var text = Encoding.UTF8.GetString(clientFinal);
        var proofAt = text.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0 || !Scram.TryParseAttributes(text, out var attributes)
            || attributes.Count < 3 || attributes[0].Key != 'c' || attributes[1].Key != 'r' || attributes[^1].Key != 'p')
        {
            error = "malformed SCRAM client-final message: expected c=…,r=…,p=…";
            return ScramOutcome.Malformed;
        }
        if (attributes[0].Value != channelBinding)
        {
            error = "SCRAM channel-binding data does not match the client-first message";
            return ScramOutcome.Malformed;
        }
        if (attributes[1].Value != nonce)
        {
            error = "SCRAM nonce does not match";
            return ScramOutcome.Malformed;
        }
        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(attributes[^1].Value);
        }
        catch (FormatException)
        {
            error = "malformed SCRAM proof";
            return ScramOutcome.Malformed;
        }
        if (proof.Length != 32)
        {
            error = "malformed SCRAM proof";
            return ScramOutcome.Malformed;
        }
        if (mock)
        {
            return ScramOutcome.WrongPassword;
        }
        var authMessage = $"{clientFirstBare},{serverFirst},{text[..proofAt]}";
        var clientKey = Scram.Xor(proof, Scram.Hmac(verifier.StoredKey, authMessage));
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(clientKey), verifier.StoredKey))
        {
            return ScramOutcome.WrongPassword;
        }
        ClientKey = clientKey;
        serverFinalMessage = Encoding.UTF8.GetBytes($"v={Convert.ToBase64String(Scram.Hmac(verifier.ServerKey, authMessage))}");
        return ScramOutcome.Authenticated;
    }
}
