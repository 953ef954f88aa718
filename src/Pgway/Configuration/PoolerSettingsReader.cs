using System.Collections.Immutable;
using System.Globalization;
using Newtonsoft.Json.Linq;
using Pgway.Model;
using YamlDotNet.RepresentationModel;

namespace Pgway.Configuration;

/// <summary>
/// Reads a cluster's pooler settings as Pigsty renders pgbouncer.ini: its <c>pgbouncer_*</c>
/// variables, <c>pg_databases</c> (pool settings per database, <c>pgbouncer: false</c> to leave one
/// out) and <c>pg_users</c> (those with <c>pgbouncer: true</c>). Every bad value is an error at its line.
/// </summary>
internal sealed class PoolerSettingsReader(DiagnosticBag diagnostics)
{
    private const string Prefix = "pgbouncer_";

    private static readonly Dictionary<string, PoolMode> Modes = new(StringComparer.Ordinal)
    {
        ["session"] = PoolMode.Session,
        ["transaction"] = PoolMode.Transaction,
        ["statement"] = PoolMode.Statement,
    };

    public PoolerSettings Read(ClusterSource cluster)
    {
        var variables = cluster.Variables;
        var mode = variables["pgbouncer_poolmode"] is { } poolMode ? Mode(poolMode.Value, poolMode.Location, poolMode.Name) : null;
        var useAuthQuery = false;
        // Pigsty's flag; or, as text, PgBouncer's own auth_query (which the flag's name shadows).
        string? authQueryText = null;
        if (variables["pgbouncer_auth_query"] is { } authQuery)
        {
            if (authQuery.Value.Type == JTokenType.Boolean)
            {
                useAuthQuery = authQuery.Value.Value<bool>();
            }
            else if (authQuery.Value.Type == JTokenType.String && authQuery.Value.Value<string>() is { Length: > 0 } text && text.Contains("$1", StringComparison.Ordinal))
            {
                useAuthQuery = true;
                authQueryText = text;
            }
            else
            {
                diagnostics.Error(authQuery.Location, $"pgbouncer_auth_query must be true or false (Pigsty's flag), or a query taking the user name as $1 (PgBouncer's auth_query), got '{authQuery.Value}'");
            }
        }
        var sslMode = "disable";
        if (variables["pgbouncer_sslmode"] is { } ssl)
        {
            sslMode = ssl.Value.ToString();
            if (!TlsModes.TryParse(sslMode, out _))
            {
                diagnostics.Error(ssl.Location, $"pgbouncer_sslmode '{sslMode}' is not one of {string.Join(", ", TlsModes.Names)}{Suggestions.DidYouMean(sslMode, TlsModes.Names)}");
            }
        }

        var settings = PgBouncerSettings.Read.ToDictionary(s => s.Key, s => s.Value.Default, StringComparer.Ordinal);
        // Pigsty's own pgbouncer_* variables (pgbouncer_exporter_port, v1's pgbouncer_hba_rules, …) are not
        // PgBouncer settings: those that matter are read by name, the rest concern other programs. v1's
        // pgbouncer_max_db_conn is one of Pigsty's names and a PgBouncer setting under another name.
        foreach (var variable in variables.All.Where(v => v.Name.StartsWith(Prefix, StringComparison.Ordinal)
                     && !PgBouncerSettings.PigstyVariables.Contains(v.Name)
                     && (!PigstyVariables.RoleDefaults.Contains(v.Name) || PgBouncerSettings.PigstyV1Names.ContainsKey(v.Name[Prefix.Length..]))))
        {
            var name = variable.Name[Prefix.Length..];
            if (PgBouncerSettings.PigstyV1Names.TryGetValue(name, out var pgbouncerName))
            {
                // PgBouncer's own name, when given too, is the more specific: it wins, as pgbouncer_client_tls_sslmode does.
                if (variables[Prefix + pgbouncerName] is not null)
                {
                    diagnostics.Warning(variable.Location, $"{variable.Name} (Pigsty v1's name for {pgbouncerName}) is overridden by {Prefix}{pgbouncerName}");
                    continue;
                }
                name = pgbouncerName;
            }
            if (PgBouncerSettings.SetThrough.TryGetValue(name, out var instead))
            {
                if (name == "pool_mode" && mode is null)
                {
                    mode = Mode(variable.Value, variable.Location, variable.Name);
                }
                diagnostics.Warning(variable.Location, $"{variable.Name}: pgway sets PgBouncer's {name} from {instead}");
            }
            else if (PgBouncerSettings.Read.TryGetValue(name, out var known))
            {
                if (Value(variable, known.Kind) is { } value)
                {
                    settings[name] = value;
                }
            }
            else if (PgBouncerSettings.NotActedOn.Contains(name))
            {
                diagnostics.Warning(variable.Location, $"{variable.Name}: pgway accepts PgBouncer's {name} but does not act on it yet");
            }
            else
            {
                var names = PgBouncerSettings.Read.Keys.Concat(PgBouncerSettings.NotActedOn).Select(n => Prefix + n)
                    .Concat(PigstyVariables.RoleDefaults.Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)));
                diagnostics.Warning(variable.Location, $"{variable.Name} is not a PgBouncer setting pgway knows{Suggestions.DidYouMean(variable.Name, names)}");
            }
        }
        // pgway's own settings are inventory variables under their own names (pgway_…).
        foreach (var (name, known) in PgBouncerSettings.Read)
        {
            if (name.StartsWith(PgBouncerSettings.PgwayPrefix, StringComparison.Ordinal) && variables[name] is { } own && Value(own, known.Kind) is { } value)
            {
                settings[name] = value;
            }
        }
        if (authQueryText is not null)
        {
            settings["auth_query"] = authQueryText;
        }
        // Pigsty renders ignore_startup_parameters from its own list variable; PgBouncer's name, when given, wins.
        if (variables["pgbouncer_ignore_param"] is { } ignoreParam && variables["pgbouncer_ignore_startup_parameters"] is null
            && Value(ignoreParam, PgBouncerSettings.Kind.List) is { } ignored)
        {
            settings["ignore_startup_parameters"] = ignored;
        }
        ReadTls(variables, settings, sslMode);
        if (!AuthTypes.TryParse(settings["auth_type"], out _))
        {
            diagnostics.Error(variables["pgbouncer_auth_type"]!.Location,
                $"pgbouncer_auth_type '{settings["auth_type"]}' is not one of {string.Join(", ", AuthTypes.Names)}{Suggestions.DidYouMean(settings["auth_type"], AuthTypes.Names)}");
        }

        return new PoolerSettings(mode ?? PoolMode.Transaction, useAuthQuery, sslMode,
            settings.ToImmutableSortedDictionary(StringComparer.Ordinal),
            ReadDatabases(variables["pg_databases"]), ReadUsers(variables["pg_users"]));
    }

    // Pigsty's pgbouncer_sslmode is its name for client_tls_sslmode: PgBouncer's own name, when given
    // too, wins. Every TLS value is checked here; the files are read when the pooler starts.
    private void ReadTls(VariableSet variables, Dictionary<string, string> settings, string sslMode)
    {
        if (variables["pgbouncer_client_tls_sslmode"] is { } clientMode)
        {
            if (variables["pgbouncer_sslmode"] is { } pigsty && pigsty.Value.ToString() != settings["client_tls_sslmode"])
            {
                diagnostics.Warning(pigsty.Location, $"pgbouncer_sslmode '{pigsty.Value}' is overridden by pgbouncer_client_tls_sslmode '{settings["client_tls_sslmode"]}'");
            }
            CheckTlsMode(clientMode, settings["client_tls_sslmode"]);
        }
        else
        {
            settings["client_tls_sslmode"] = sslMode;
        }
        if (variables["pgbouncer_server_tls_sslmode"] is { } serverMode)
        {
            CheckTlsMode(serverMode, settings["server_tls_sslmode"]);
        }
        foreach (var side in (string[])["client", "server"])
        {
            if (variables[$"pgbouncer_{side}_tls_protocols"] is { } protocols)
            {
                foreach (var word in settings[$"{side}_tls_protocols"].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!PgBouncerSettings.TlsProtocols.Contains(word))
                    {
                        diagnostics.Error(protocols.Location, $"{protocols.Name}: '{word}' is not one of {string.Join(", ", PgBouncerSettings.TlsProtocols)}{Suggestions.DidYouMean(word, PgBouncerSettings.TlsProtocols)}");
                    }
                    else if (word is "tlsv1.0" or "tlsv1.1")
                    {
                        diagnostics.Warning(protocols.Location, $"{protocols.Name}: pgway never offers {word} (TLS 1.2 and 1.3 only)");
                    }
                }
            }
        }
        if (settings["client_tls_sslmode"] != "disable")
        {
            foreach (var file in (string[])["client_tls_cert_file", "client_tls_key_file"])
            {
                if (settings[file].Length == 0)
                {
                    diagnostics.Error(variables[Prefix + file]?.Location ?? variables["pgbouncer_sslmode"]?.Location ?? variables[Prefix + "client_tls_sslmode"]!.Location,
                        $"pgbouncer_{file} must name a PEM file when client TLS is on (client_tls_sslmode '{settings["client_tls_sslmode"]}')");
                }
            }
        }
        if ((settings["server_tls_cert_file"].Length == 0) != (settings["server_tls_key_file"].Length == 0))
        {
            var given = variables["pgbouncer_server_tls_cert_file"] ?? variables["pgbouncer_server_tls_key_file"]!;
            diagnostics.Error(given.Location, "pgbouncer_server_tls_cert_file and pgbouncer_server_tls_key_file go together: pgway's client certificate for the server needs both");
        }
    }

    private void CheckTlsMode(Variable variable, string mode)
    {
        if (!TlsModes.TryParse(mode, out _))
        {
            diagnostics.Error(variable.Location, $"{variable.Name} '{mode}' is not one of {string.Join(", ", TlsModes.Names)}{Suggestions.DidYouMean(mode, TlsModes.Names)}");
        }
    }

    private ImmutableArray<PoolDatabase> ReadDatabases(Variable? list)
    {
        var databases = ImmutableArray.CreateBuilder<PoolDatabase>();
        foreach (var (entry, location) in Entries(list, "pg_databases"))
        {
            if (Name(entry, location, "pg_databases") is not { } name || Flag(entry, "pgbouncer", list!.File) == false)
            {
                continue;
            }
            databases.Add(new PoolDatabase(name, PoolModeOf(entry, list.File),
                Count(entry, "pool_size", list.File), Count(entry, "pool_size_min", list.File),
                Count(entry, "pool_reserve", list.File), Count(entry, "pool_connlimit", list.File, allowUnlimited: true)));
        }
        return databases.ToImmutable();
    }

    private ImmutableArray<PoolUser> ReadUsers(Variable? list)
    {
        var users = ImmutableArray.CreateBuilder<PoolUser>();
        foreach (var (entry, location) in Entries(list, "pg_users"))
        {
            if (Name(entry, location, "pg_users") is not { } name || Flag(entry, "pgbouncer", list!.File) != true)
            {
                continue;
            }
            var password = entry.TryGetValue("password", out var node) && node is YamlScalarNode { Value: { } text } ? text : null;
            users.Add(new PoolUser(name, password, PoolModeOf(entry, list.File), Count(entry, "pool_connlimit", list.File, allowUnlimited: true)));
        }
        return users.ToImmutable();
    }

    private IEnumerable<(Dictionary<string, YamlNode> Entry, SourceLocation Location)> Entries(Variable? list, string what)
    {
        if (list is null || YamlValues.IsNull(list.Node))
        {
            yield break;
        }
        if (list.Node is not YamlSequenceNode sequence)
        {
            diagnostics.Error(list.Location, $"{what} must be a list of mappings");
            yield break;
        }
        foreach (var item in sequence.Children)
        {
            if (item is not YamlMappingNode mapping)
            {
                diagnostics.Error(YamlSource.Locate(list.File, item), $"each entry of {what} must be a mapping with a name");
                continue;
            }
            yield return (YamlValues.Entries(mapping).ToDictionary(e => e.Key.Value ?? "", e => e.Value, StringComparer.Ordinal), YamlSource.Locate(list.File, item));
        }
    }

    private string? Name(Dictionary<string, YamlNode> entry, SourceLocation location, string what)
    {
        if (entry.TryGetValue("name", out var node) && node is YamlScalarNode { Value: { Length: > 0 } name })
        {
            return name;
        }
        diagnostics.Error(location, $"an entry of {what} has no name");
        return null;
    }

    private bool? Flag(Dictionary<string, YamlNode> entry, string key, string file)
    {
        if (!entry.TryGetValue(key, out var node) || YamlValues.IsNull(node))
        {
            return null;
        }
        if (YamlValues.ToJson(node) is { Type: JTokenType.Boolean } value)
        {
            return value.Value<bool>();
        }
        diagnostics.Error(YamlSource.Locate(file, node), $"'{key}' must be true or false, got '{MappingReader.Text(node)}'");
        return null;
    }

    private PoolMode? PoolModeOf(Dictionary<string, YamlNode> entry, string file) =>
        entry.TryGetValue("pool_mode", out var node) && !YamlValues.IsNull(node)
            ? Mode(YamlValues.ToJson(node), YamlSource.Locate(file, node), "pool_mode")
            : null;

    private int? Count(Dictionary<string, YamlNode> entry, string key, string file, bool allowUnlimited = false)
    {
        if (!entry.TryGetValue(key, out var node) || YamlValues.IsNull(node))
        {
            return null;
        }
        // Pigsty writes -1 for "no limit" in pool_connlimit; PgBouncer's 0 means the same.
        if (MappingReader.TryInt(YamlValues.ToJson(node), out var value) && (value >= 0 || (allowUnlimited && value == -1)))
        {
            return Math.Max(value, 0);
        }
        diagnostics.Error(YamlSource.Locate(file, node), $"'{key}' must be a whole number from 0{(allowUnlimited ? " (or -1, no limit)" : "")}, got '{MappingReader.Text(node)}'");
        return null;
    }

    private PoolMode? Mode(JToken value, SourceLocation location, string name)
    {
        var text = value.ToString();
        if (Modes.TryGetValue(text, out var mode))
        {
            return mode;
        }
        diagnostics.Error(location, $"{name} '{text}' is not one of session, transaction, statement{Suggestions.DidYouMean(text, Modes.Keys)}");
        return null;
    }

    private string? Value(Variable variable, PgBouncerSettings.Kind kind)
    {
        var value = variable.Value;
        if (!IsValid(value, kind, out var text))
        {
            diagnostics.Error(variable.Location, $"{variable.Name} must be {Expected(kind)}, got '{MappingReader.Text(variable.Node)}'");
            return null;
        }
        return text;
    }

    /// <summary>
    /// A PgBouncer setting changed live (the admin console's SET <paramref name="name"/> = <paramref name="text"/>):
    /// checked as the inventory's value would be. Returns the value as the settings hold it
    /// (a flag as 0 or 1), or null with <paramref name="error"/>.
    /// </summary>
    public static string? CheckLiveValue(string name, string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        error = null;
        if (name == "pool_mode")
        {
            if (Modes.ContainsKey(text))
            {
                return text;
            }
            error = $"pool_mode '{text}' is not one of session, transaction, statement";
            return null;
        }
        if (!PgBouncerSettings.Read.TryGetValue(name, out var known))
        {
            error = PgBouncerSettings.NotActedOn.Contains(name) || PgBouncerSettings.SetThrough.ContainsKey(name)
                ? $"pgway cannot change {name} while it runs"
                : $"unknown setting '{name}'{Suggestions.DidYouMean(name, PgBouncerSettings.Read.Keys)}";
            return null;
        }
        JToken value = long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) ? new JValue(whole)
            : text is "true" or "false" ? new JValue(text == "true")
            : new JValue(text);
        if (!IsValid(value, known.Kind, out var normalized))
        {
            error = $"{name} must be {Expected(known.Kind)}, got '{text}'";
            return null;
        }
        if (name == "auth_type" && !AuthTypes.TryParse(normalized, out _))
        {
            error = $"auth_type '{normalized}' is not one of {string.Join(", ", AuthTypes.Names)}";
            return null;
        }
        // As the inventory's TLS values are checked: a mode pgway would read as disable must not pass for one.
        if (name is "client_tls_sslmode" or "server_tls_sslmode" && !TlsModes.TryParse(normalized, out _))
        {
            error = $"{name} '{normalized}' is not one of {string.Join(", ", TlsModes.Names)}{Suggestions.DidYouMean(normalized, TlsModes.Names)}";
            return null;
        }
        if (name is "client_tls_protocols" or "server_tls_protocols"
            && normalized.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(w => !PgBouncerSettings.TlsProtocols.Contains(w)) is { } word)
        {
            error = $"{name}: '{word}' is not one of {string.Join(", ", PgBouncerSettings.TlsProtocols)}{Suggestions.DidYouMean(word, PgBouncerSettings.TlsProtocols)}";
            return null;
        }
        return normalized;
    }

    private static bool IsValid(JToken value, PgBouncerSettings.Kind kind, out string text)
    {
        text = value.Type == JTokenType.Array ? string.Join(',', value.Values<string>()) : value.ToString();
        var parsed = text;
        var ok = kind switch
        {
            PgBouncerSettings.Kind.Count => MappingReader.TryInt(value, out var count) && count >= 0,
            PgBouncerSettings.Kind.Seconds => value.Type is JTokenType.Integer or JTokenType.Float or JTokenType.String
                && double.TryParse(parsed, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && double.IsFinite(seconds),
            PgBouncerSettings.Kind.Flag => value.Type == JTokenType.Boolean || parsed is "0" or "1",
            PgBouncerSettings.Kind.List => value.Type is JTokenType.String or JTokenType.Array,
            _ => value.Type is JTokenType.String or JTokenType.Integer or JTokenType.Float,
        };
        if (ok && kind == PgBouncerSettings.Kind.Flag && value.Type == JTokenType.Boolean)
        {
            text = value.Value<bool>() ? "1" : "0";
        }
        return ok;
    }

    private static string Expected(PgBouncerSettings.Kind kind) => kind switch
    {
        PgBouncerSettings.Kind.Count => "a whole number from 0",
        PgBouncerSettings.Kind.Seconds => "a number of seconds from 0",
        PgBouncerSettings.Kind.Flag => "0 or 1 (or true or false)",
        PgBouncerSettings.Kind.List => "names separated by commas, or a list",
        _ => "a single value",
    };
}
