using System.Security.Cryptography;
using System.Text;

namespace Pgway.Model;

/// <summary>
/// The user name and password the admin endpoint's stats page, <c>/status.json</c> and <c>/metrics</c> ask for (Pigsty's
/// <c>haproxy_admin_username</c> and <c>haproxy_admin_password</c>).
/// </summary>
internal sealed record AdminCredentials(string Username, string Password)
{
    /// <summary>Whether an <c>Authorization</c> header carries these credentials; compared in constant time.</summary>
    public bool Accepts(string? authorization)
    {
        const string Scheme = "Basic ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        byte[] given;
        try
        {
            given = Convert.FromBase64String(authorization[Scheme.Length..].Trim());
        }
        catch (FormatException)
        {
            return false;
        }
        var expected = Encoding.UTF8.GetBytes($"{Username}:{Password}");
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    /// <summary>The password stays out of logs and exception messages.</summary>
    public override string ToString() => $"{Username}:***";
}
