using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using Pgway.Model;
using YamlDotNet.RepresentationModel;

namespace Pgway.Configuration;

/// <summary>
/// Renders an instance's pgb_hba.conf from the inventory as Pigsty's pgsql role does (its
/// <c>pgbouncer.hba</c> template, v4): <c>pgb_default_hba_rules</c> (Pigsty's role default when
/// the inventory sets none) then <c>pgb_hba_rules</c>, entries with an <c>order</c> first by it, the
/// others after in list order; the address, user and auth aliases expanded; entries of another
/// role left in as comments. Pigsty v1's <c>pgbouncer_hba_rules</c> and <c>pgbouncer_hba_rules_extra</c>
/// render as v1 did (<see cref="ReadV1"/>). What Pigsty would refuse to render is an error at its line.
/// </summary>
internal sealed partial class PoolerHbaReader(DiagnosticBag diagnostics)
{
    private static readonly string[] Roles = ["default", "common", "primary", "replica", "offline", "standby", "delayed"];

    private static readonly string[] AddressAliases = ["local", "localhost", "admin", "infra", "cluster", "intra", "intranet", "world", "all"];

    private static readonly string[] SslAuths = ["ssl", "ssl-md5", "ssl-sha", "cert"];

    private static readonly string[] AuthAliases = ["deny", "pwd", "ssl", "sha", "cert", "ssl-md5", "ssl-sha", "md5", "os", "ident", "peer", "trust", "reject", "scram-sha-256"];

    private readonly HashSet<(SourceLocation, string)> reported = [];

    /// <summary>Pigsty's pgsql role default for <c>node_firewall_intranet</c>, the <c>intra</c> alias.</summary>
    private static readonly string[] DefaultIntranet = ["10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12"];

    /// <summary>Pigsty's pgsql role default <c>pgb_default_hba_rules</c> (v4), as YAML so its entries go through the same reader.</summary>
    private const string DefaultRules = """
        - { user: '${dbsu}'    ,db: pgbouncer ,addr: local     ,auth: peer ,title: 'dbsu local admin access with os ident' ,order: 100 }
        - { user: 'all'        ,db: all       ,addr: localhost ,auth: pwd  ,title: 'allow all user local access with pwd'  ,order: 150 }
        - { user: '${monitor}' ,db: pgbouncer ,addr: intra     ,auth: pwd  ,title: 'monitor access via intranet with pwd'  ,order: 200 }
        - { user: '${monitor}' ,db: all       ,addr: world     ,auth: deny ,title: 'reject all other monitor access addr'  ,order: 250 }
        - { user: '${admin}'   ,db: all       ,addr: intra     ,auth: pwd  ,title: 'admin access via intranet with pwd'    ,order: 300 }
        - { user: '${admin}'   ,db: all       ,addr: world     ,auth: deny ,title: 'reject all other admin access addr'    ,order: 350 }
        - { user: 'all'        ,db: all       ,addr: intra     ,auth: pwd  ,title: 'allow all user intra access with pwd'  ,order: 400 }
        """;

    /// <summary>What an entry is rendered with: the instance and the inventory's names for its aliases.</summary>
    private sealed record Context(
        Instance Instance,
        string Role,
        string PasswordMethod,
        ImmutableArray<string> Intranet,
        Variable? AdminIp,
        ImmutableArray<string> Infra,
        ImmutableArray<string> ClusterMembers,
        IReadOnlyDictionary<string, string> UserAliases);

    /// <summary>
    /// The instance's pgb_hba.conf. <paramref name="clusterMembers"/> are the cluster's host addresses
    /// (the <c>cluster</c> alias), <paramref name="infra"/> the hosts of the inventory's <c>infra</c> group.
    /// </summary>
    public PoolerHbaFile Read(HostSource host, Instance instance, IEnumerable<string> clusterMembers, IEnumerable<string> infra)
    {
        var variables = host.Variables;
        var v1 = variables["pgbouncer_hba_rules"] ?? variables["pgbouncer_hba_rules_extra"];
        var v2 = variables["pgb_hba_rules"] ?? variables["pgb_default_hba_rules"];
        if (v1 is not null && v2 is not null)
        {
            Warning(v1.Location, $"{v1.Name} is Pigsty v1's name: with {v2.Name} set (line {v2.Location.Line}), pgway renders pgb_hba.conf as Pigsty v2+ does and does not use it");
        }
        var users = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["${dbsu}"] = Text(variables, "pg_dbsu") ?? "postgres",
            ["${repl}"] = Text(variables, "pg_replication_username") ?? "replicator",
            ["${monitor}"] = Text(variables, "pg_monitor_username") ?? "dbuser_monitor",
            ["${admin}"] = Text(variables, "pg_admin_username") ?? "dbuser_dba",
        };
        var context = new Context(
            instance,
            instance.Role.ToString().ToLowerInvariant(),
            Text(variables, "pg_pwd_enc") == "md5" ? "md5" : "scram-sha-256",
            Intranet(variables),
            variables["admin_ip"] is { } adminIp && adminIp.Value.Type != JTokenType.Null ? adminIp : null,
            [.. infra.Order(StringComparer.Ordinal)],
            [.. clusterMembers.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            users);
        var lines = ImmutableArray.CreateBuilder<PoolerHbaLine>();
        var at = instance.Location;
        lines.Add(new($"# pgb_hba.conf of {instance.Name} [{context.Role}] @ {instance.Address}:{instance.PgbouncerPort}", at));
        lines.Add(new("# rendered by pgway from the inventory as Pigsty renders it; the pooler enforces it when auth_type is hba", at));
        lines.Add(new("", at));
        if (v1 is not null && v2 is null)
        {
            ReadV1(variables, context, lines);
            return new PoolerHbaFile(lines.ToImmutable());
        }
        AddAliases(variables, context, lines);
        foreach (var (entry, file) in Entries(variables))
        {
            Render(entry, file, context, lines);
        }
        return new PoolerHbaFile(lines.ToImmutable());
    }

    private static void AddAliases(VariableSet variables, Context context, ImmutableArray<PoolerHbaLine>.Builder lines)
    {
        var at = context.Instance.Location;
        string[] aliases =
        [
            "# addr alias",
            $"# local     : {Text(variables, "pg_localhost") ?? "/var/run/postgresql"}",
            $"# admin     : {context.AdminIp?.Value}",
            $"# infra     : {string.Join(", ", context.Infra)}",
            $"# intra     : {string.Join(", ", context.Intranet)}",
            $"# cluster   : {string.Join(", ", context.ClusterMembers)}",
            "",
            "# user alias",
            $"# dbsu    :  {context.UserAliases["${dbsu}"]}",
            $"# repl    :  {context.UserAliases["${repl}"]}",
            $"# monitor :  {context.UserAliases["${monitor}"]}",
            $"# admin   :  {context.UserAliases["${admin}"]}",
            "",
        ];
        foreach (var alias in aliases)
        {
            lines.Add(new(alias, at));
        }
    }

    // pgb_default_hba_rules (or Pigsty's default) then pgb_hba_rules; those with an order first, by it
    // (a stable sort, as Jinja's), then those without, in list order.
    private List<(YamlMappingNode Entry, string File)> Entries(VariableSet variables)
    {
        var all = new List<(YamlMappingNode Entry, string File)>();
        if (variables["pgb_default_hba_rules"] is { } defaults)
        {
            AddList(defaults.Node, defaults.File, defaults.Name, all);
        }
        else if (YamlSource.Parse(DefaultRules, DefaultServices.File, diagnostics) is { } builtIn)
        {
            AddList(builtIn, DefaultServices.File, "pgb_default_hba_rules", all);
        }
        if (variables["pgb_hba_rules"] is { } rules)
        {
            AddList(rules.Node, rules.File, rules.Name, all);
        }
        var ordered = new List<(long Order, YamlMappingNode Entry, string File)>();
        var unordered = new List<(YamlMappingNode Entry, string File)>();
        foreach (var (entry, file) in all)
        {
            if (Value(entry, "order") is not { } order)
            {
                unordered.Add((entry, file));
            }
            else if (order is YamlScalarNode && YamlValues.ToJson(order) is { Type: JTokenType.Integer } number)
            {
                ordered.Add((number.Value<long>(), entry, file));
            }
            else
            {
                Error(YamlSource.Locate(file, order), $"an hba rule's order must be a whole number (Pigsty: 0-99 before its defaults, 100-999 among them, 1000+ after), got '{MappingReader.Text(order)}'");
            }
        }
        return [.. ordered.OrderBy(o => o.Order).Select(o => (o.Entry, o.File)), .. unordered];
    }

    private void AddList(YamlNode node, string file, string name, List<(YamlMappingNode, string)> into)
    {
        if (YamlValues.IsNull(node))
        {
            return;
        }
        if (node is not YamlSequenceNode list)
        {
            Error(YamlSource.Locate(file, node), $"{name} must be a list of hba rules, e.g. - {{ user: all, db: all, addr: intra, auth: pwd, title: '...' }}");
            return;
        }
        foreach (var item in list.Children)
        {
            if (item is YamlMappingNode mapping)
            {
                into.Add((mapping, file));
            }
            else
            {
                Error(YamlSource.Locate(file, item), $"each entry of {name} must be a mapping (user, db, addr, auth, title, role, order; or rules: raw hba lines)");
            }
        }
    }

    private void Render(YamlMappingNode entry, string file, Context context, ImmutableArray<PoolerHbaLine>.Builder lines)
    {
        var at = YamlSource.Locate(file, entry);
        var roleNode = Value(entry, "role");
        var role = roleNode is null || Scalar(roleNode) == "" ? "default" : Scalar(roleNode);
        if (role is null || !Roles.Contains(role))
        {
            Error(YamlSource.Locate(file, roleNode!), $"hba rule role '{MappingReader.Text(roleNode!)}' is not one of {string.Join(", ", Roles)}{Suggestions.DidYouMean(MappingReader.Text(roleNode!), Roles)}");
            return;
        }
        var enabled = role is "default" or "common" || role == context.Role || (role == "offline" && context.Instance.OfflineQuery);
        var prefix = enabled ? "" : "#";
        var titleNode = Value(entry, "title");
        // Jinja prints a YAML null as None.
        var title = titleNode is null ? "" : YamlValues.IsNull(titleNode) ? "None" : MappingReader.Text(titleNode);
        var heading = $"# {title} [{role}] {(enabled ? "" : "[DISABLED]")}";
        if (Value(entry, "rules") is { } rules && !(rules is YamlSequenceNode { Children.Count: 0 }))
        {
            if (rules is not YamlSequenceNode raw)
            {
                Error(YamlSource.Locate(file, rules), "an hba rule's rules must be a list of raw pgb_hba.conf lines");
                return;
            }
            lines.Add(new(heading, at));
            foreach (var rule in raw.Children)
            {
                if (rule is not YamlScalarNode { Value: { } text })
                {
                    Error(YamlSource.Locate(file, rule), "each of an hba rule's rules must be one pgb_hba.conf line, as text");
                    continue;
                }
                lines.Add(new(prefix + text, YamlSource.Locate(file, rule)));
            }
            lines.Add(new("", at));
            return;
        }
        if (Value(entry, "addr") is not { } addrNode || Scalar(addrNode) == "")
        {
            Error(at, "an hba rule needs addr (with user, db, auth) or rules (raw pgb_hba.conf lines)");
            return;
        }
        var ok = true;
        var addr = Scalar(addrNode);
        if (addr is null || (!AddressAliases.Contains(addr) && !Ipv4Network().IsMatch(addr)))
        {
            Error(YamlSource.Locate(file, addrNode),
                $"hba rule addr '{MappingReader.Text(addrNode)}' is not one of {string.Join(", ", AddressAliases)} nor an IPv4 address or CIDR (Pigsty refuses it; use rules: for raw lines){Suggestions.DidYouMean(MappingReader.Text(addrNode), AddressAliases)}");
            ok = false;
        }
        var user = Field(entry, "user", file, ref ok) ?? "all";
        user = context.UserAliases.GetValueOrDefault(user, user);
        var db = Field(entry, "db", file, ref ok) ?? "all";
        if (db == "replication")
        {
            Error(YamlSource.Locate(file, Value(entry, "db")!), "db: replication is not allowed in pgbouncer hba rules (Pigsty refuses it; PgBouncer takes no replication connections)");
            ok = false;
        }
        var authName = Field(entry, "auth", file, ref ok);
        if (authName is not null && !AuthAliases.Contains(authName))
        {
            Error(YamlSource.Locate(file, Value(entry, "auth")!),
                $"hba rule auth '{authName}' is not one of {string.Join(", ", AuthAliases)}{Suggestions.DidYouMean(authName, AuthAliases)} (Pigsty refuses it; use rules: for raw lines)");
            ok = false;
        }
        if (addr == "admin" && context.AdminIp is null)
        {
            Error(YamlSource.Locate(file, addrNode), "hba rule addr 'admin' needs admin_ip (the admin node's address) in the inventory");
            ok = false;
        }
        if (!ok || addr is null)
        {
            return;
        }
        var auth = Method(authName ?? "", context.PasswordMethod);
        var type = addr is "local" or "localhost" ? "local" : SslAuths.Contains(authName) ? "hostssl" : "host";
        var left = $"{prefix}{type,-8} {db,-18} {user,-18}";
        lines.Add(new(heading, at));
        switch (addr)
        {
            case "local":
                lines.Add(new($"{prefix}local    {db,-18} {user,-18}                    {auth}", at));
                break;
            case "localhost":
                lines.Add(new($"{prefix}local    {db,-18} {user,-18}                    {auth}", at));
                lines.Add(new($"{prefix}host     {db,-18} {user,-18} 127.0.0.1/32       {auth}", at));
                lines.Add(new($"{prefix}host     {db,-18} {user,-18} ::1/128            {auth}", at));
                break;
            case "admin":
                lines.Add(new($"{left} {context.AdminIp!.Value + "/32",-18} {auth}", at));
                break;
            case "infra":
                if (context.Infra.IsEmpty)
                {
                    Warning(YamlSource.Locate(file, addrNode), "hba rule addr 'infra' matches no one: the inventory has no infra group");
                }
                foreach (var ip in context.Infra)
                {
                    lines.Add(new($"{left} {ip + "/32",-18} {auth}", at));
                }
                break;
            case "cluster":
                foreach (var ip in context.ClusterMembers)
                {
                    lines.Add(new($"{left} {ip + "/32",-18} {auth}", at));
                }
                break;
            case "intra" or "intranet":
                foreach (var cidr in context.Intranet)
                {
                    lines.Add(new($"{left} {cidr,-18} {auth}", at));
                }
                break;
            case "world" or "all":
                lines.Add(new($"{left} 0.0.0.0/0 {auth}", at));
                lines.Add(new($"{left} ::/0      {auth}", at));
                break;
            default:
                lines.Add(new($"{left} {addr,-18} {auth}", at));
                break;
        }
        lines.Add(new("", at));
    }

    // Pigsty's auth aliases: pwd and ssl follow pg_pwd_enc; ssl, ssl-md5, ssl-sha and cert also make the line hostssl.
    private static string Method(string auth, string passwordMethod) => auth switch
    {
        "" or "pwd" or "ssl" => passwordMethod,
        "deny" or "reject" => "reject",
        "sha" or "ssl-sha" or "scram-sha-256" => "scram-sha-256",
        "md5" or "ssl-md5" => "md5",
        "os" or "ident" or "peer" => "peer",
        _ => auth,
    };

    // A text field of an entry; null when absent or empty (Pigsty's default applies).
    private string? Field(YamlMappingNode entry, string key, string file, ref bool ok)
    {
        if (Value(entry, key) is not { } node || YamlValues.IsNull(node))
        {
            return null;
        }
        if (Scalar(node) is not { } text)
        {
            Error(YamlSource.Locate(file, node), $"an hba rule's {key} must be text (one name), got '{MappingReader.Text(node)}'");
            ok = false;
            return null;
        }
        return text.Length == 0 ? null : text;
    }

    private ImmutableArray<string> Intranet(VariableSet variables)
    {
        if (variables["node_firewall_intranet"] is not { } intranet || intranet.Value.Type == JTokenType.Null)
        {
            return [.. DefaultIntranet];
        }
        if (intranet.Value is JArray list && list.All(item => item.Type == JTokenType.String))
        {
            return [.. list.Select(item => item.ToString())];
        }
        Error(intranet.Location, $"node_firewall_intranet must be a list of CIDR networks (the hba 'intra' alias), got '{intranet.Value}'");
        return [.. DefaultIntranet];
    }

    private static YamlNode? Value(YamlMappingNode entry, string key) =>
        YamlValues.Entries(entry).FirstOrDefault(e => e.Key.Value == key).Value;

    private static string? Scalar(YamlNode node) => node is YamlScalarNode { Value: { } text } ? text : null;

    private static string? Text(VariableSet variables, string name) =>
        variables.Value(name) is { Type: not (JTokenType.Object or JTokenType.Array) } value ? value.ToString() : null;

    // Cluster-level entries render once per instance: each problem is reported once.
    private void Error(SourceLocation location, string message)
    {
        if (reported.Add((location, message)))
        {
            diagnostics.Error(location, message);
        }
    }

    private void Warning(SourceLocation location, string message)
    {
        if (reported.Add((location, message)))
        {
            diagnostics.Warning(location, message);
        }
    }

    [GeneratedRegex(@"^([0-9]{1,3}\.){3}[0-9]{1,3}(/([0-9]|[1-2][0-9]|3[0-2]))?$")]
    private static partial Regex Ipv4Network();
}
