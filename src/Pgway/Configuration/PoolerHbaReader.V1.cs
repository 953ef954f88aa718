using System.Collections.Immutable;
using Pgway.Model;
using YamlDotNet.RepresentationModel;

namespace Pgway.Configuration;

internal sealed partial class PoolerHbaReader
{
    private static readonly string[] V1Roles = ["common", "primary", "replica", "offline", "standby", "delayed"];

    /// <summary>Pigsty v1's role default for <c>pgbouncer_hba_rules</c>, as YAML so it goes through the same reader.</summary>
    private const string V1DefaultRules = """
        - title: local password access
          role: common
          rules:
            - local  all          all                                     md5
            - host   all          all                     127.0.0.1/32    md5
        - title: intranet password access
          role: common
          rules:
            - host   all          all                     10.0.0.0/8      md5
            - host   all          all                     172.16.0.0/12   md5
            - host   all          all                     192.168.0.0/16  md5
        """;

    private const string Banner = "#==============================================================#";

    /// <summary>
    /// Pigsty v1 (1.0 to 1.5): fixed rules first (the database superuser's socket, local passwords,
    /// the monitor and admin users to the pgbouncer database from 10.0.0.0/8 and no further), then
    /// <c>pgbouncer_hba_rules</c> and <c>pgbouncer_hba_rules_extra</c>, each its <c>common</c> entries then
    /// those of the instance's role, all raw hba lines. Entries of another role are left out, as v1 did.
    /// </summary>
    private void ReadV1(VariableSet variables, Context context, ImmutableArray<PoolerHbaLine>.Builder lines)
    {
        var fixedAt = new SourceLocation(DefaultServices.File, 0, 0);
        var monitor = context.UserAliases["${monitor}"];
        var admin = context.UserAliases["${admin}"];
        void Add(string text, SourceLocation? at = null) => lines.Add(new(text, at ?? fixedAt));
        void Section(string title)
        {
            Add(Banner);
            Add($"# {title}");
            Add(Banner);
        }
        var monitorAt = variables["pg_monitor_username"]?.Location ?? fixedAt;
        var adminAt = variables["pg_admin_username"]?.Location ?? fixedAt;
        Section("Default HBA");
        Add("# local dbsu quick access");
        Add("local  pgbouncer postgres                                       peer");
        Add("");
        Add("# local all password access (for biz user test)");
        Add("local   all     all                                             md5");
        Add("host    all     all                         127.0.0.1/32        md5");
        Add("");
        Add("# monitor user intranet access to pgbouncer stats");
        Add($"host   pgbouncer    {monitor}   10.0.0.0/8      md5", monitorAt);
        Add($"host   all          {monitor}   0.0.0.0/0       reject", monitorAt);
        Add("");
        Add("# admin user have intranet access to pgbouncer admin");
        Add($"host   pgbouncer    {admin}     10.0.0.0/8      md5", adminAt);
        Add($"host   all          {admin}     0.0.0.0/0       reject", adminAt);
        Add("");

        var rules = V1Entries(variables, "pgbouncer_hba_rules", V1DefaultRules);
        var extra = V1Entries(variables, "pgbouncer_hba_rules_extra", null);
        Section("Common HBA");
        AddV1(rules, "common", blankAfter: true, lines);
        Add("");
        Add("");
        Section($"{context.Role} HBA");
        AddV1(rules, context.Role, blankAfter: false, lines);
        Add("");
        Add("");
        Section("Extra HBA");
        Add("# add extra hba rules here");
        Add("");
        AddV1(extra, "common", blankAfter: true, lines);
        Add("");
        AddV1(extra, context.Role, blankAfter: false, lines);
        Add("");
        Add("");
        Section("Ad Hoc HBA");
        Add("# manual maintained hba rules");
    }

    private static void AddV1(List<(string Role, string Title, SourceLocation At, List<PoolerHbaLine> Rules)> entries, string role, bool blankAfter, ImmutableArray<PoolerHbaLine>.Builder lines)
    {
        foreach (var entry in entries.Where(e => e.Role == role))
        {
            lines.Add(new($"#  {entry.Title}", entry.At));
            lines.AddRange(entry.Rules);
            if (blankAfter)
            {
                lines.Add(new("", entry.At));
            }
        }
    }

    // Each entry: role, title and raw lines; v1 has no address aliases, only raw hba lines.
    private List<(string Role, string Title, SourceLocation At, List<PoolerHbaLine> Rules)> V1Entries(VariableSet variables, string name, string? builtIn)
    {
        var entries = new List<(string, string, SourceLocation, List<PoolerHbaLine>)>();
        var (node, file) = variables[name] is { } variable ? (variable.Node, variable.File) : (builtIn is null ? null : YamlSource.Parse(builtIn, DefaultServices.File, diagnostics), DefaultServices.File);
        var list = new List<(YamlMappingNode Entry, string File)>();
        if (node is not null)
        {
            AddList(node, file, name, list);
        }
        foreach (var (entry, _) in list)
        {
            var at = YamlSource.Locate(file, entry);
            var roleNode = Value(entry, "role");
            if (roleNode is null || Scalar(roleNode) is not { Length: > 0 } role)
            {
                Error(at, $"an entry of {name} needs role: common, or the role of the instances it is for ({string.Join(", ", V1Roles.Skip(1))})");
                continue;
            }
            if (!V1Roles.Contains(role))
            {
                Warning(YamlSource.Locate(file, roleNode), $"{name} role '{role}' is no instance's role: Pigsty v1 renders this entry nowhere{Suggestions.DidYouMean(role, V1Roles)}");
            }
            var titleNode = Value(entry, "title");
            var title = titleNode is null ? "" : YamlValues.IsNull(titleNode) ? "None" : MappingReader.Text(titleNode);
            var rules = new List<PoolerHbaLine>();
            if (Value(entry, "rules") is not YamlSequenceNode raw)
            {
                Error(at, $"an entry of {name} needs rules: a list of raw pgb_hba.conf lines");
                continue;
            }
            foreach (var rule in raw.Children)
            {
                if (rule is YamlScalarNode { Value: { } text })
                {
                    rules.Add(new(text, YamlSource.Locate(file, rule)));
                }
                else
                {
                    Error(YamlSource.Locate(file, rule), $"each rule of {name} must be one pgb_hba.conf line, as text");
                }
            }
            entries.Add((role, title, at, rules));
        }
        return entries;
    }
}
