using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Pgway.Admin;

/// <summary>
/// The secret that lets an admin action (<c>POST /switchover</c>, <c>/unfence</c>) through an endpoint
/// the inventory gives no admin credentials: drawn at random when the endpoint starts, written to a file
/// only pgway's user can read (<see cref="AdminTokenFile"/>), and sent as <c>Authorization: Bearer TOKEN</c>.
/// Whoever can read it can read the inventory too, so it grants nothing they did not have.
/// </summary>
internal sealed class AdminToken
{
    /// <summary>The <c>Authorization</c> scheme the token travels in.</summary>
    public const string Scheme = "Bearer";

    private readonly byte[] bytes;

    /// <summary>A token as read back from its file.</summary>
    public AdminToken(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        Value = value.Trim();
        bytes = Encoding.UTF8.GetBytes(Value);
    }

    /// <summary>The text sent after <c>Bearer </c>.</summary>
    public string Value { get; }

    /// <summary>32 random bytes (256 bits), base64url: no guess or replay of an earlier start can act.</summary>
    public static AdminToken Generate() => new(Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)));

    /// <summary>The <c>Authorization</c> header value carrying this token.</summary>
    public string Header => $"{Scheme} {Value}";

    /// <summary>Whether an <c>Authorization</c> header carries this token; compared in constant time.</summary>
    public bool Accepts(string? authorization)
    {
        if (authorization is null || authorization.Length <= Scheme.Length
            || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || authorization[Scheme.Length] != ' ')
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(authorization[(Scheme.Length + 1)..].Trim()), bytes);
    }

    /// <summary>The token stays out of logs and exception messages.</summary>
    public override string ToString() => "***";
}
