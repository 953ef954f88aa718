using System.Collections.Frozen;
using System.Globalization;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using Pgway.Model;

namespace Pgway.Configuration;

/// <summary>
/// The <c>default-server</c> options Pigsty gives a v2-schema service that sets no <c>options</c>. Since v4
/// they follow the cluster's recovery-time mode: <c>pg_rto</c> (fast, norm, safe, wide) picks a row of
/// <c>pg_rto_plan</c>, whose fields 5–9 are HAProxy's inter, fastinter, downinter, rise and fall. Before v4
/// <c>pg_rto</c> was a number of seconds that only Patroni used, and every service checked at fixed timings.
/// </summary>
internal static partial class RtoPlan
{
    /// <summary>Pigsty's default mode, and the one its template falls back to for a name the plan lacks.</summary>
    public const string DefaultMode = "norm";

    /// <summary>What Pigsty v2 and v3 render whatever their numeric <c>pg_rto</c>.</summary>
    public const string BeforeV4 = "inter 3s fastinter 1s downinter 5s rise 3 fall 3 " + Tail;

    private const string Tail = "on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100";

    /// <summary>The plan's fields, in Pigsty's order: [ttl, loop, retry, start, margin, inter, fastinter, downinter, rise, fall].</summary>
    private const int Inter = 5, FastInter = 6, DownInter = 7, Rise = 8, Fall = 9, Fields = 10;

    /// <summary>Pigsty v4's <c>pg_rto_plan</c> default, HAProxy's part of it.</summary>
    private static readonly FrozenDictionary<string, string> Builtin = new Dictionary<string, string>
    {
        ["fast"] = Options("1s", "0.5s", "1s", 3, 3),
        ["norm"] = Options("2s", "1s", "2s", 3, 3),
        ["safe"] = Options("3s", "1.5s", "3s", 3, 3),
        ["wide"] = Options("4s", "2s", "4s", 3, 3),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    [GeneratedRegex(@"^(\d+)\.(\d+)(us|ms|s|m|h|d)?$")]
    private static partial Regex FractionPattern();

    /// <summary>The options text, and where a problem with it should point (null: at the service).</summary>
    public static (string Text, SourceLocation? Location) DefaultOptions(VariableSet variables, DiagnosticBag diagnostics)
    {
        var rto = variables["pg_rto"];
        var rtoValue = variables.Value("pg_rto");
        var version = PigstyVersion.Of(variables);
        // Pigsty before v4, by its version or, when the file names none, by a pg_rto in seconds.
        if (PigstyVersion.Before(variables, 4, 0) || (version is null && rtoValue is { Type: JTokenType.Integer or JTokenType.Float }))
        {
            return (BeforeV4, null);
        }
        var planVariable = variables["pg_rto_plan"];
        var plan = planVariable is null ? Builtin : ReadPlan(planVariable, diagnostics);
        var mode = rtoValue?.ToString() ?? DefaultMode;
        if (!plan.ContainsKey(mode) && rto is not null)
        {
            var known = string.Join(", ", plan.Keys);
            var why = rtoValue?.Type is JTokenType.Integer or JTokenType.Float
                ? $"pg_rto {mode} is a number of seconds, as in Pigsty v2 and v3; v4 takes a mode ({known}) and, as Pigsty does, pgway uses {DefaultMode}'s timings"
                : $"pg_rto '{mode}' is not one of {known}{Suggestions.DidYouMean(mode, plan.Keys)}; as Pigsty does, pgway uses {DefaultMode}'s timings";
            diagnostics.Warning(rto.Location, why);
            mode = DefaultMode;
        }
        if (plan.TryGetValue(mode, out var text))
        {
            return (text, planVariable?.Location ?? rto?.Location);
        }
        diagnostics.Error(planVariable!.Location, $"pg_rto_plan has no '{mode}' row, which pg_rto {(rtoValue is null ? "defaults to" : "names")}: give each mode [ttl, loop, retry, start, margin, inter, fastinter, downinter, rise, fall]");
        return (Builtin[DefaultMode], null);
    }

    private static FrozenDictionary<string, string> ReadPlan(Variable variable, DiagnosticBag diagnostics)
    {
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        if (variable.Value is not JObject plan)
        {
            diagnostics.Error(variable.Location, $"pg_rto_plan must map each mode to [ttl, loop, retry, start, margin, inter, fastinter, downinter, rise, fall], got '{variable.Value}'");
            return Builtin;
        }
        foreach (var (mode, row) in plan)
        {
            if (row is not JArray fields || fields.Count < Fields
                || !MappingReader.TryInt(fields[Rise], out var rise) || !MappingReader.TryInt(fields[Fall], out var fall))
            {
                diagnostics.Error(variable.Location, $"pg_rto_plan's '{mode}' must be [ttl, loop, retry, start, margin, inter, fastinter, downinter, rise, fall] with rise and fall integers, got '{row?.ToString(Newtonsoft.Json.Formatting.None)}'");
                continue;
            }
            rows[mode] = Options(fields[Inter]!.ToString(), fields[FastInter]!.ToString(), fields[DownInter]!.ToString(), rise, fall);
        }
        return rows.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string Options(string inter, string fastInter, string downInter, int rise, int fall) =>
        $"inter {WholeUnits(inter)} fastinter {WholeUnits(fastInter)} downinter {WholeUnits(downInter)} rise {rise} fall {fall} {Tail}";

    /// <summary>
    /// Pigsty's plan writes 0.5s and 1.5s, which HAProxy's time parser refuses ("unexpected character '.'",
    /// HAProxy 2.6): the same time in whole milliseconds (or microseconds) keeps a rendered haproxy.cfg loadable.
    /// </summary>
    internal static string WholeUnits(string time)
    {
        var match = FractionPattern().Match(time.Trim());
        if (!match.Success || !decimal.TryParse($"{match.Groups[1].Value}.{match.Groups[2].Value}", NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return time;
        }
        var microseconds = number * match.Groups[3].Value switch
        {
            "us" => 1m,
            "" or "ms" => 1_000m,
            "s" => 1_000_000m,
            "m" => 60_000_000m,
            "h" => 3_600_000_000m,
            _ => 86_400_000_000m,
        };
        if (microseconds != decimal.Truncate(microseconds))
        {
            return time;
        }
        return microseconds % 1000 == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{microseconds / 1000:0}ms")
            : string.Create(CultureInfo.InvariantCulture, $"{microseconds:0}us");
    }
}
