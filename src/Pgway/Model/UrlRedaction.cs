using System.Text.RegularExpressions;

namespace Pgway.Model;

/// <summary>
/// URLs as they may be shown: the password of <c>scheme://user:password@host</c> replaced by
/// <c>***</c> (as libpq's and Patroni's own output hides it), the user and host kept so the
/// operator still sees which endpoint is meant. Everything pgway logs or prints that may hold an
/// etcd URL from <c>pg_dcs</c> goes through here.
/// </summary>
internal static partial class UrlRedaction
{
    /// <summary>What a password is shown as.</summary>
    public const string Mask = "***";

    /// <summary><paramref name="text"/> (a URL, or a message that may contain URLs) with every URL's password masked.</summary>
    public static string Redact(string text) =>
        text is null || !text.Contains('@', StringComparison.Ordinal) ? text! : UserInfo().Replace(text, $"$1{Mask}@");

    /// <summary><paramref name="url"/> without a trailing slash, its password masked.</summary>
    public static string Redact(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return Redact(url.ToString().TrimEnd('/'));
    }

    // scheme://user:password@ — the password runs to the last '@' before the host (it may hold '@' only
    // percent-encoded in a valid URL, but a careless one is masked whole all the same).
    [GeneratedRegex(@"(://[^/@\s:]*:)[^/\s]*@")]
    private static partial Regex UserInfo();
}
