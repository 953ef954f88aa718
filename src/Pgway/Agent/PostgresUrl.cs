using Npgsql;

namespace Pgway.Agent;

/// <summary>
/// Turns what users type for a PostgreSQL instance — a libpq URL (<c>postgres://user:pw@host:5432/db</c>)
/// or an Npgsql/libpq key=value string — into an Npgsql connection string.
/// </summary>
internal static class PostgresUrl
{
    /// <summary>The connection string, or an exception whose message says what is wrong.</summary>
    public static NpgsqlConnectionStringBuilder Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith("postgres://", StringComparison.Ordinal) && !text.StartsWith("postgresql://", StringComparison.Ordinal))
        {
            try
            {
                return new NpgsqlConnectionStringBuilder(text);
            }
            catch (ArgumentException e)
            {
                // The text may hold a password: name the problem, not the text.
                throw new FormatException($"the connection string is neither a postgres:// URL nor a valid key=value string: {e.Message}", e);
            }
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            throw new FormatException($"'{Redact(text)}' is not a valid postgres:// URL");
        }
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
        };
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            Apply(builder, key, value, text);
        }
        return builder;
    }

    private static void Apply(NpgsqlConnectionStringBuilder builder, string key, string value, string text)
    {
        switch (key)
        {
            case "host": builder.Host = value; break;
            case "port": builder.Port = Number(key, value, text); break;
            case "user": builder.Username = value; break;
            case "password": builder.Password = value; break;
            case "dbname": builder.Database = value; break;
            case "application_name": builder.ApplicationName = value; break;
            case "connect_timeout": builder.Timeout = Number(key, value, text); break;
            case "sslmode":
                builder.SslMode = value switch
                {
                    "disable" => SslMode.Disable,
                    "allow" => SslMode.Allow,
                    "prefer" => SslMode.Prefer,
                    "require" => SslMode.Require,
                    "verify-ca" => SslMode.VerifyCA,
                    "verify-full" => SslMode.VerifyFull,
                    _ => throw new FormatException($"sslmode '{value}' in '{Redact(text)}' is not one of disable, allow, prefer, require, verify-ca, verify-full"),
                };
                break;
            default:
                throw new FormatException($"parameter '{key}' in '{Redact(text)}' is not supported (known: host, port, user, password, dbname, application_name, connect_timeout, sslmode)");
        }
    }

    private static int Number(string key, string value, string text) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number is > 0 and <= 65535
            ? number
            : throw new FormatException($"{key} '{value}' in '{Redact(text)}' is not a number from 1 to 65535");

    /// <summary>The URL with its password replaced, for messages.</summary>
    public static string Redact(string text)
    {
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return text;
        }
        // User info ends at the first '@' before the path or query, never one inside them.
        var authorityEnd = text.IndexOfAny(['/', '?'], scheme + 3);
        var at = text.LastIndexOf('@', authorityEnd < 0 ? text.Length - 1 : authorityEnd - 1);
        if (at < scheme)
        {
            return text;
        }
        var colon = text.IndexOf(':', scheme + 3);
        return colon < 0 || colon > at ? text : string.Concat(text.AsSpan(0, colon + 1), "***", text.AsSpan(at));
    }
}
