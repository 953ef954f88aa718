using System.Collections.Immutable;
using System.Net;
using System.Text;
using Pgway.Configuration;
using Pgway.Model;

namespace Pgway.Pooling.Authentication;

/// <summary>
/// PgBouncer's <c>auth_hba_file</c>: pg_hba.conf lines (<c>local</c>, <c>host</c>, <c>hostssl</c>,
/// <c>hostnossl</c>), databases (<c>all</c>, <c>sameuser</c>, names), users (<c>all</c>, names),
/// an address (CIDR, address and mask, or <c>all</c>) and a method. The first rule that matches
/// decides; none matching means reject. What PostgreSQL has and PgBouncer does not (<c>+group</c>,
/// <c>@file</c>, <c>samehost</c>, <c>include</c>, replication), and what pgway does not support yet
/// (<c>cert</c>), is an error at its line, never a silently different rule. The lines may be a file's
/// or those rendered from the inventory (<see cref="Parse(PoolerHbaFile)"/>).
/// </summary>
internal sealed class HbaFile
{
    private static readonly Dictionary<string, HbaMethod> Methods = new(StringComparer.Ordinal)
    {
        ["trust"] = HbaMethod.Trust,
        ["reject"] = HbaMethod.Reject,
        ["md5"] = HbaMethod.Md5,
        ["password"] = HbaMethod.Password,
        ["scram-sha-256"] = HbaMethod.ScramSha256,
        ["cert"] = HbaMethod.Cert,
        ["peer"] = HbaMethod.Peer,
    };

    private static readonly string[] Types = ["local", "host", "hostssl", "hostnossl"];

    private HbaFile(ImmutableArray<HbaRule> rules, ImmutableArray<Diagnostic> diagnostics)
    {
        Rules = rules;
        Diagnostics = diagnostics;
    }

    public ImmutableArray<HbaRule> Rules { get; }

    /// <summary>Errors (lines that were left out) and warnings (options ignored).</summary>
    public ImmutableArray<Diagnostic> Diagnostics { get; }

    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    /// <summary>The first rule that matches the connection; null means reject.</summary>
    public HbaRule? Find(HbaConnection connection) => Rules.FirstOrDefault(r => r.Matches(connection));

    public static HbaFile Parse(string text, string file)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Parse(text.Split('\n').Select((line, i) => (line.TrimEnd('\r'), new SourceLocation(file, i + 1, 1))));
    }

    /// <summary>Rules rendered from the inventory (Pigsty's pgb_hba rules): each line's errors point at the entry it came from.</summary>
    public static HbaFile Parse(PoolerHbaFile rendered)
    {
        ArgumentNullException.ThrowIfNull(rendered);
        return Parse(rendered.Lines.Select(line => (line.Text, line.Location)));
    }

    private static HbaFile Parse(IEnumerable<(string Text, SourceLocation Location)> lines)
    {
        var rules = ImmutableArray.CreateBuilder<HbaRule>();
        var diagnostics = new DiagnosticBag();
        foreach (var (line, location) in lines)
        {
            if (!TryTokens(line, out var tokens))
            {
                diagnostics.Error(location, "unterminated quote");
                continue;
            }
            if (tokens.Count == 0)
            {
                continue;
            }
            if (ParseRule(tokens, location, diagnostics) is { } rule)
            {
                rules.Add(rule);
            }
        }
        return new HbaFile(rules.ToImmutable(), diagnostics.ToImmutable());
    }

    private static HbaRule? ParseRule(List<(string Text, bool Quoted)> tokens, SourceLocation location, DiagnosticBag diagnostics)
    {
        var type = tokens[0].Text;
        if (type is "include" or "include_if_exists" or "include_dir")
        {
            diagnostics.Error(location, $"'{type}' is not supported in an hba file for pgway (nor PgBouncer)");
            return null;
        }
        if (!Types.Contains(type))
        {
            diagnostics.Error(location, $"connection type '{type}' is not one of {string.Join(", ", Types)}{Suggestions.DidYouMean(type, Types)}");
            return null;
        }
        var needsAddress = type != "local";
        if (tokens.Count < (needsAddress ? 5 : 4))
        {
            diagnostics.Error(location, needsAddress ? "expected: type database user address method" : "expected: local database user method");
            return null;
        }
        var databases = List(tokens[1], location, diagnostics, "database", ["all", "sameuser"]);
        var users = List(tokens[2], location, diagnostics, "user", ["all"]);
        var at = 3;
        IPNetwork? network = null;
        if (needsAddress && !TryNetwork(tokens, ref at, location, diagnostics, out network))
        {
            return null;
        }
        var methodName = tokens[at].Text;
        if (!Methods.TryGetValue(methodName, out var method))
        {
            diagnostics.Error(location, $"authentication method '{methodName}' is not one of {string.Join(", ", Methods.Keys)}{Suggestions.DidYouMean(methodName, Methods.Keys)}");
            return null;
        }
        if (method == HbaMethod.Cert)
        {
            // Refusing every client such a rule matches would be a rule silently different from PgBouncer's.
            diagnostics.Error(location, "authentication method 'cert' (TLS client certificates) is not supported by pgway yet: use scram-sha-256 or md5 on a hostssl line");
            return null;
        }
        if (method == HbaMethod.Peer && needsAddress)
        {
            diagnostics.Error(location, "method 'peer' works only for 'local' connections");
            return null;
        }
        if (tokens.Count > at + 1)
        {
            diagnostics.Warning(location, $"options after the method ({string.Join(' ', tokens.Skip(at + 1).Select(t => t.Text))}) are ignored");
        }
        return databases is null || users is null ? null : new HbaRule(type, databases.Value, users.Value, network, method, location);
    }

    private static ImmutableArray<HbaName>? List((string Text, bool Quoted) token, SourceLocation location, DiagnosticBag diagnostics, string what, string[] keywords)
    {
        var items = token.Quoted ? [token.Text] : token.Text.Split(',');
        foreach (var item in items)
        {
            if (!token.Quoted && (item.StartsWith('+') || item.StartsWith('@') || item == "replication" || item == "samerole" || item == "samegroup"))
            {
                diagnostics.Error(location, $"{what} '{item}' is not supported in an hba file for pgway (nor PgBouncer): list the names");
                return null;
            }
            if (item.Length == 0)
            {
                diagnostics.Error(location, $"empty {what} name in '{token.Text}'");
                return null;
            }
        }
        // A quoted keyword is a name, as in PostgreSQL: "all" is a database called all.
        return [.. items.Select(item => new HbaName(item, !token.Quoted && keywords.Contains(item)))];
    }

    private static bool TryNetwork(List<(string Text, bool Quoted)> tokens, ref int at, SourceLocation location, DiagnosticBag diagnostics, out IPNetwork? network)
    {
        network = null;
        var address = tokens[at].Text;
        at++;
        if (address == "all")
        {
            return true;
        }
        if (address is "samehost" or "samenet" || (!address.Contains('/') && !IPAddress.TryParse(address, out _)))
        {
            diagnostics.Error(location, $"address '{address}' is not supported: give a CIDR (10.0.0.0/8), an address and a mask, or all");
            return false;
        }
        if (address.Contains('/'))
        {
            if (IPNetwork.TryParse(address, out var parsed))
            {
                network = parsed;
                return true;
            }
            diagnostics.Error(location, $"'{address}' is not a valid CIDR network");
            return false;
        }
        // Address and mask in two columns.
        if (at >= tokens.Count - 1 || !IPAddress.TryParse(tokens[at].Text, out var mask))
        {
            diagnostics.Error(location, $"address '{address}' needs a mask column (or write it as a CIDR)");
            return false;
        }
        at++;
        var prefix = PrefixLength(mask);
        if (prefix < 0 || !IPNetwork.TryParse($"{address}/{prefix}", out var masked))
        {
            diagnostics.Error(location, $"mask '{mask}' is not a valid network mask for '{address}'");
            return false;
        }
        network = masked;
        return true;
    }

    private static int PrefixLength(IPAddress mask)
    {
        var bits = 0;
        var ended = false;
        foreach (var b in mask.GetAddressBytes())
        {
            for (var bit = 7; bit >= 0; bit--)
            {
                var set = (b >> bit & 1) == 1;
                if (set && ended)
                {
                    return -1;
                }
                ended |= !set;
                bits += set ? 1 : 0;
            }
        }
        return bits;
    }

    // Splits a line into tokens: whitespace separates, "…" quotes (with "" inside), # starts a comment.
    private static bool TryTokens(string line, out List<(string Text, bool Quoted)> tokens)
    {
        tokens = [];
        var i = 0;
        while (i < line.Length)
        {
            if (char.IsWhiteSpace(line[i]))
            {
                i++;
                continue;
            }
            if (line[i] == '#')
            {
                break;
            }
            var text = new StringBuilder();
            var quoted = false;
            while (i < line.Length && !char.IsWhiteSpace(line[i]) && line[i] != '#')
            {
                if (line[i] != '"')
                {
                    text.Append(line[i++]);
                    continue;
                }
                quoted = true;
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        return false;
                    }
                    if (line[i] == '"' && i + 1 < line.Length && line[i + 1] == '"')
                    {
                        text.Append('"');
                        i += 2;
                    }
                    else if (line[i] == '"')
                    {
                        i++;
                        break;
                    }
                    else
                    {
                        text.Append(line[i++]);
                    }
                }
            }
            tokens.Add((text.ToString(), quoted));
        }
        return true;
    }
}
