using System.Text;
using Pgway.Configuration;
using Pgway.Model;

namespace Pgway.Pooling.Authentication;

/// <summary>
/// PgBouncer's <c>auth_file</c> (userlist.txt): one <c>"user" "secret"</c> per line, each in double
/// quotes with <c>""</c> for a quote inside; the secret a password, an MD5 hash or a SCRAM verifier.
/// Blank lines and lines starting with <c>;</c> or <c>#</c> are comments; anything else that does
/// not parse is an error naming its line (PgBouncer skips such lines silently).
/// </summary>
internal static class UserList
{
    public static UserListResult Parse(string text, string file)
    {
        ArgumentNullException.ThrowIfNull(text);
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        var errors = new List<Diagnostic>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed[0] is ';' or '#')
            {
                continue;
            }
            var at = line.Length - trimmed.Length;
            var location = new SourceLocation(file, i + 1, at + 1);
            if (!TryQuoted(line, ref at, out var user) || !SkipSpace(line, ref at) || !TryQuoted(line, ref at, out var secret))
            {
                errors.Add(new Diagnostic(DiagnosticSeverity.Error, location, "expected \"user\" \"password\" (each in double quotes, \"\" for a quote inside)"));
                continue;
            }
            if (user.Length == 0)
            {
                errors.Add(new Diagnostic(DiagnosticSeverity.Error, location, "empty user name"));
                continue;
            }
            if (!users.TryAdd(user, secret))
            {
                errors.Add(new Diagnostic(DiagnosticSeverity.Error, location, $"user '{user}' is listed twice"));
            }
        }
        return new UserListResult(users, errors);
    }

    private static bool TryQuoted(string line, ref int at, out string value)
    {
        value = "";
        if (at >= line.Length || line[at] != '"')
        {
            return false;
        }
        var text = new StringBuilder();
        for (at++; at < line.Length; at++)
        {
            if (line[at] != '"')
            {
                text.Append(line[at]);
            }
            else if (at + 1 < line.Length && line[at + 1] == '"')
            {
                text.Append('"');
                at++;
            }
            else
            {
                at++;
                value = text.ToString();
                return true;
            }
        }
        return false;
    }

    private static bool SkipSpace(string line, ref int at)
    {
        var start = at;
        while (at < line.Length && line[at] is ' ' or '\t')
        {
            at++;
        }
        return at > start;
    }
}

/// <summary>The users of an auth file, and its errors.</summary>
internal sealed record UserListResult(IReadOnlyDictionary<string, string> Users, IReadOnlyList<Diagnostic> Errors);
