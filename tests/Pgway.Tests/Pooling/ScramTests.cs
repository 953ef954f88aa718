using System.Text;
using Pgway.Pooling.Authentication;

namespace Pgway.Tests.Pooling;

/// <summary>SCRAM-SHA-256 both ways, pinned to RFC 7677's example exchange.</summary>
public class ScramTests
{
    // RFC 7677 §3: user "user", password "pencil".
    private const string ClientNonce = "rOprNGfwEbeRWgbNEkqO";
    private const string ServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private const string Salt = "W22ZaJ0SNY7soEsUEjb6gQ==";
    private const string ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string ClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private static readonly ScramVerifier Pencil = ScramVerifier.FromPassword("pencil", Convert.FromBase64String(Salt), 4096);

    [Fact]
    public void SaltedPasswords_SamePasswordSaltAndIterations_DerivedOnceAndAsScramDerivesIt()
    {
        var salt = Convert.FromBase64String(Salt);

        var first = SaltedPasswords.For("pencil", salt, 4096);

        Assert.Equal(Scram.SaltedPassword("pencil", salt, 4096), first);
        Assert.Same(first, SaltedPasswords.For("pencil", Convert.FromBase64String(Salt), 4096));
        Assert.Equal(Scram.SaltedPassword("pencil", salt, 4095), SaltedPasswords.For("pencil", salt, 4095));
        Assert.Equal(Scram.SaltedPassword("pen", salt, 4096), SaltedPasswords.For("pen", salt, 4096));
        Assert.NotEqual(first, SaltedPasswords.For("pencil", [.. salt, 1], 4096));
        SaltedPasswords.Forget();
        Assert.NotSame(first, SaltedPasswords.For("pencil", salt, 4096));
    }

    [Fact]
    public void Server_Rfc7677Exchange_AuthenticatesAndSignsAsTheRfc()
    {
        var server = new ScramServerExchange(Pencil, ServerNonce);

        Assert.True(server.TryStart(Bytes($"n,,n=user,r={ClientNonce}"), out var serverFirst, out var error), error);
        Assert.Equal(ServerFirst, Text(serverFirst));
        Assert.Equal(ScramOutcome.Authenticated, server.Finish(Bytes(ClientFinal), out var serverFinal, out error));
        Assert.Equal(ServerFinal, Text(serverFinal));
        Assert.NotNull(server.ClientKey);
    }

    [Fact]
    public void Server_ProofMadeWithAnotherPassword_WrongPassword()
    {
        var server = new ScramServerExchange(ScramVerifier.FromPassword("not pencil", Convert.FromBase64String(Salt), 4096), ServerNonce);
        server.TryStart(Bytes($"n,,n=user,r={ClientNonce}"), out _, out _);

        Assert.Equal(ScramOutcome.WrongPassword, server.Finish(Bytes(ClientFinal), out var serverFinal, out _));
        Assert.Empty(serverFinal);
        Assert.Null(server.ClientKey);
    }

    [Theory]
    [InlineData("x,,n=user,r=abc", "GS2 header")]
    [InlineData("p=tls-server-end-point,,n=user,r=abc", "channel binding")]
    [InlineData("n,,r=abc", "n=<user>,r=<nonce>")]
    [InlineData("n,,n=user,r=", "n=<user>,r=<nonce>")]
    public void Server_MalformedClientFirst_Refused(string clientFirst, string expected)
    {
        var server = new ScramServerExchange(Pencil);

        Assert.False(server.TryStart(Bytes(clientFirst), out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "channel-binding")]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "nonce")]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=!!!", "proof")]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", "c=…,r=…,p=…")]
    public void Server_MalformedClientFinal_Malformed(string clientFinal, string expected)
    {
        var server = new ScramServerExchange(Pencil, ServerNonce);
        server.TryStart(Bytes($"n,,n=user,r={ClientNonce}"), out _, out _);

        Assert.Equal(ScramOutcome.Malformed, server.Finish(Bytes(clientFinal), out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_WithPassword_ProducesTheRfcProofAndChecksTheServer()
    {
        var client = ScramClientExchange.WithPassword("pencil", ClientNonce);

        Assert.Equal($"n,,n=,r={ClientNonce}", Text(client.ClientFirst()));
        Assert.True(client.TryContinue(Bytes(ServerFirst), out var clientFinal, out var error), error);
        // The RFC's client names its user in client-first, PostgreSQL's does not, so the proofs differ;
        // pgway's own server side checks this one.
        Assert.StartsWith("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=", Text(clientFinal), StringComparison.Ordinal);
        var server = new ScramServerExchange(Pencil, ServerNonce);
        server.TryStart(client.ClientFirst(), out _, out _);
        Assert.Equal(ScramOutcome.Authenticated, server.Finish(clientFinal, out var serverFinal, out _));
        Assert.True(client.TryVerify(serverFinal, out error), error);
        Assert.False(client.TryVerify(Bytes(ServerFinal), out error));
        Assert.Contains("signature is wrong", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_WithRecoveredClientKey_LogsInWithoutThePassword()
    {
        // A client proves itself to pgway; pgway logs in to a server holding the same verifier.
        var client = ScramClientExchange.WithPassword("pencil");
        var toPgway = new ScramServerExchange(Pencil);
        toPgway.TryStart(client.ClientFirst(), out var serverFirst, out _);
        client.TryContinue(serverFirst, out var clientFinal, out _);
        Assert.Equal(ScramOutcome.Authenticated, toPgway.Finish(clientFinal, out _, out _));

        var pgway = ScramClientExchange.WithClientKey(Pencil, toPgway.ClientKey!);
        var server = new ScramServerExchange(Pencil);
        server.TryStart(pgway.ClientFirst(), out var first, out _);
        Assert.True(pgway.TryContinue(first, out var final, out var error), error);
        Assert.Equal(ScramOutcome.Authenticated, server.Finish(final, out var serverFinal, out _));
        Assert.True(pgway.TryVerify(serverFinal, out error), error);
    }

    [Fact]
    public void Client_RecoveredKeyButServerSaltDiffers_ExplainsWhy()
    {
        var pgway = ScramClientExchange.WithClientKey(Pencil, new byte[32]);
        var server = new ScramServerExchange(ScramVerifier.FromPassword("pencil"));
        server.TryStart(pgway.ClientFirst(), out var first, out _);

        Assert.False(pgway.TryContinue(first, out _, out var error));
        Assert.Contains("other salt or iterations", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_ServerAsksForMoreIterationsThanTheCap_RefusedBeforeAnyWork()
    {
        var client = ScramClientExchange.WithPassword("pencil", ClientNonce);
        var hostile = $"r={ClientNonce}{ServerNonce},s={Salt},i={ScramClientExchange.MaxIterations + 1}";

        Assert.False(client.TryContinue(Bytes(hostile), out var clientFinal, out var error));
        Assert.Empty(clientFinal);
        Assert.Contains("1000001 SCRAM iterations", error, StringComparison.Ordinal);
        Assert.Contains("scram_iterations", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_IterationsAtTheCap_Computed()
    {
        Assert.Equal(1_000_000, ScramClientExchange.MaxIterations);
        Assert.True(ScramClientExchange.WithPassword("pencil", ClientNonce).TryContinue(Bytes($"r={ClientNonce}{ServerNonce},s={Salt},i=4096"), out _, out var error), error);
    }

    [Fact]
    public void Mock_RightLookingExchange_RunsToTheProofAndFailsThereAsAWrongPassword()
    {
        var server = ScramServerExchange.Mock(Convert.FromBase64String(Salt), 4096, ServerNonce);

        Assert.True(server.TryStart(Bytes($"n,,n=user,r={ClientNonce}"), out var serverFirst, out var error), error);
        Assert.Equal(ServerFirst, Text(serverFirst));
        Assert.Equal(ScramOutcome.WrongPassword, server.Finish(Bytes(ClientFinal), out var serverFinal, out _));
        Assert.Empty(serverFinal);
        Assert.Null(server.ClientKey);
    }

    [Fact]
    public void Mock_MalformedClientFinal_MalformedAsForARealUser()
    {
        var server = ScramServerExchange.Mock(Convert.FromBase64String(Salt), 4096, ServerNonce);
        server.TryStart(Bytes($"n,,n=user,r={ClientNonce}"), out _, out _);

        Assert.Equal(ScramOutcome.Malformed, server.Finish(Bytes("c=biws,r=other,p=AAAA"), out _, out var error));
        Assert.Contains("nonce", error, StringComparison.Ordinal);
    }

    [Fact]
    public void MockSalt_SameNameSameSalt_OtherNameOrProcessOther()
    {
        var mock = new MockAuthentication();

        Assert.Equal(mock.Salt("alice"), mock.Salt("alice"));
        Assert.Equal(16, mock.Salt("alice").Length);
        Assert.NotEqual(mock.Salt("alice"), mock.Salt("bob"));
        Assert.NotEqual(mock.Salt("alice"), new MockAuthentication().Salt("alice"));
        Assert.Equal(new MockAuthentication(new byte[32]).Salt("alice"), new MockAuthentication(new byte[32]).Salt("alice"));
    }

    [Fact]
    public void VerifierCache_SameUserAndPassword_DerivedOnce_NewPasswordOrClearDerivedAgain()
    {
        var derived = 0;
        var cache = new VerifierCache(password =>
        {
            derived++;
            return ScramVerifier.FromPassword(password, Convert.FromBase64String(Salt), 4096);
        });

        var first = cache.For("user", "pencil");
        Assert.Same(first, cache.For("user", "pencil"));
        Assert.Equal(1, derived);
        cache.For("user", "crayon");
        Assert.Equal(2, derived);
        cache.Clear();
        cache.For("user", "pencil");
        Assert.Equal(3, derived);
    }

    [Fact]
    public void Verifier_RoundTripsPostgresFormat()
    {
        var text = Pencil.ToString();

        Assert.StartsWith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$", text, StringComparison.Ordinal);
        Assert.True(ScramVerifier.TryParse(text, out var parsed));
        Assert.Equal(Pencil, parsed);
    }

    [Theory]
    [InlineData("pencil")]
    [InlineData("md5a3556571e93b0d20722ba62be61e8c2d")]
    [InlineData("SCRAM-SHA-256$4096:c2FsdA==$abc")]
    [InlineData("SCRAM-SHA-256$x:c2FsdA==$AAAA:AAAA")]
    [InlineData("SCRAM-SHA-256$4096:!!$AAAA:AAAA")]
    public void Verifier_NotAVerifier_ParseFails(string text) => Assert.False(ScramVerifier.TryParse(text, out _));

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
