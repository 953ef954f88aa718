using System.Security.Cryptography;
using System.Text;
using Pgway.Pooling.Authentication;

namespace Pgway.Fuzz;

/// <summary>
/// SCRAM-SHA-256 messages, both sides: pgway as the server of a client (<see cref="ScramServerExchange"/>:
/// client-first, client-final) and as the client of a server (<see cref="ScramClientExchange"/>:
/// server-first, server-final), and stored verifiers (<see cref="ScramVerifier"/>). The input is
/// the four messages of one exchange in their order (client-first, server-first, client-final,
/// server-final), each ended by a zero byte; seeds are exchanges captured from PostgreSQL, so that
/// they authenticate and the fuzzer starts from the successful path.
/// </summary>
internal static class ScramTarget
{
    // The verifier of the throw-away local server the seeds were captured from (password "secret").
    private const string CapturedVerifier =
        "SCRAM-SHA-256$4096:bzu2mKsHoDr/uPyD3opSdg==$vF+H5tVOs3GJHnrEjqrtSLXjmw1s8lnpfv9EsYRcGyg=:KQLgG8H1zM13rqpMZkh9UiQ0jNjPwHW9Xm0PCe23BA8=";

    private static readonly ScramVerifier Verifier = ScramVerifier.TryParse(CapturedVerifier, out var verifier) ? verifier! : throw new InvalidOperationException("bad verifier");

    // Derived once: PBKDF2 per input would cost a millisecond each.
    private static readonly byte[] ClientKey = Scram.Hmac(Scram.SaltedPassword("secret", Verifier.Salt, Verifier.Iterations), "Client Key");

    public static void Check(byte[] input) => Exchange(input);

    /// <summary>The checks; and how far each side got (the corpus test shows the seeds authenticate).</summary>
    public static (ScramOutcome? Server, bool ClientVerified) Exchange(byte[] input)
    {
        var parts = Parts(input);
        var text = Encoding.UTF8.GetString(input);
        CheckVerifier(text);
        var clientFirst = parts.ElementAtOrDefault(0) ?? [];
        var serverFirst = parts.ElementAtOrDefault(1) ?? [];
        var clientFinal = parts.ElementAtOrDefault(2) ?? [];
        var serverFinal = parts.ElementAtOrDefault(3) ?? [];
        var clientNonce = Attribute(clientFirst, ",r=") ?? "fuzz-client-nonce";
        var serverNonce = Attribute(serverFirst, "r=") is { } both && both.StartsWith(clientNonce, StringComparison.Ordinal) && both.Length > clientNonce.Length
            ? both[clientNonce.Length..] : "fuzz-server-nonce";
        return (AsServer(clientFirst, clientFinal, serverNonce), AsClient(serverFirst, serverFinal, clientNonce));
    }

    private static ScramOutcome? AsServer(byte[] clientFirst, byte[] clientFinal, string serverNonce)
    {
        var exchange = new ScramServerExchange(Verifier, serverNonce);
        // A client-final before any client-first is refused, not thrown.
        Expect(new ScramServerExchange(Verifier, serverNonce).Finish(clientFinal, out _, out var early) == ScramOutcome.Malformed && early is not null,
            "a client-final before client-first was not refused");
        if (!exchange.TryStart(clientFirst, out var serverFirst, out var error))
        {
            Expect(error is not null && serverFirst.Length == 0, "client-first refused without an error");
            return null;
        }
        var first = Encoding.UTF8.GetString(serverFirst);
        Expect(error is null && first.StartsWith("r=", StringComparison.Ordinal) && first.Contains(serverNonce + ",s=", StringComparison.Ordinal),
            $"server-first '{first}' does not carry the nonces");
        var outcome = exchange.Finish(clientFinal, out var serverFinal, out error);
        switch (outcome)
        {
            case ScramOutcome.Authenticated:
                Expect(exchange.ClientKey is { Length: 32 } key && SHA256.HashData(key).AsSpan().SequenceEqual(Verifier.StoredKey),
                    "authenticated without the client's key");
                Expect(Encoding.UTF8.GetString(serverFinal).StartsWith("v=", StringComparison.Ordinal), "server-final without a signature");
                break;
            case ScramOutcome.WrongPassword:
                Expect(exchange.ClientKey is null && serverFinal.Length == 0, "a wrong proof kept a key or answered");
                break;
            case ScramOutcome.Malformed:
                Expect(exchange.ClientKey is null && error is not null && serverFinal.Length == 0, "a malformed client-final without an error");
                break;
            default:
                throw new FuzzInvariantException($"scram: unknown outcome {outcome}");
        }
        return outcome;
    }

    private static bool AsClient(byte[] serverFirst, byte[] serverFinal, string clientNonce)
    {
        var exchange = ScramClientExchange.WithClientKey(Verifier, ClientKey, clientNonce);
        Expect(Encoding.UTF8.GetString(exchange.ClientFirst()) == $"n,,n=,r={clientNonce}", "client-first is not as PostgreSQL expects");
        if (!exchange.TryContinue(serverFirst, out var clientFinal, out var error))
        {
            Expect(error is not null && clientFinal.Length == 0, "server-first refused without an error");
            Expect(!exchange.TryVerify(serverFinal, out var unverified) && unverified is not null, "a server-final verified after a refused server-first");
            return false;
        }
        var final = Encoding.UTF8.GetString(clientFinal);
        Expect(final.StartsWith($"c={Scram.NoChannelBinding},r={clientNonce}", StringComparison.Ordinal) && final.Contains(",p=", StringComparison.Ordinal),
            $"client-final '{final}' is not c=,r=,p=");
        if (!exchange.TryVerify(serverFinal, out error))
        {
            Expect(error is not null, "server-final refused without an error");
            return false;
        }
        return true;
    }

    private static void CheckVerifier(string text)
    {
        if (ScramVerifier.TryParse(text, out var verifier))
        {
            Expect(verifier is not null && ScramVerifier.TryParse(verifier.ToString(), out var again) && again!.Equals(verifier),
                "a verifier does not read back as written");
        }
    }

    // The value of the attribute that starts after `marker` in `message`, up to the next comma.
    private static string? Attribute(byte[] message, string marker)
    {
        var text = Encoding.UTF8.GetString(message);
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }
        var value = text[(at + marker.Length)..];
        var comma = value.IndexOf(',', StringComparison.Ordinal);
        return comma < 0 ? value : value[..comma];
    }

    private static List<byte[]> Parts(byte[] input)
    {
        var parts = new List<byte[]>();
        var rest = input.AsSpan();
        while (!rest.IsEmpty && parts.Count < 4)
        {
            var end = rest.IndexOf((byte)0);
            if (end < 0)
            {
                parts.Add(rest.ToArray());
                break;
            }
            parts.Add(rest[..end].ToArray());
            rest = rest[(end + 1)..];
        }
        return parts;
    }

    private static void Expect(bool condition, string broken)
    {
        if (!condition)
        {
            throw new FuzzInvariantException($"scram: {broken}");
        }
    }
}
