using System.Collections.Frozen;
using System.Globalization;
using System.Text.RegularExpressions;
using Pgway.Model;

namespace Pgway.Configuration;

/// <summary>Parses HAProxy's <c>default-server</c> option string into <see cref="ServerOptions"/>.</summary>
internal static partial class ServerOptionsParser
{
    private static readonly FrozenSet<string> Keywords = FrozenSet.Create(StringComparer.Ordinal,
        "inter", "fastinter", "downinter", "rise", "fall", "on-marked-down", "on-marked-up",
        "slowstart", "maxconn", "maxqueue", "weight");

    [GeneratedRegex(@"^(\d+)(us|ms|s|m|h|d)?$")]
    private static partial Regex DurationPattern();

    /// <summary>Parses the whole string, reporting every bad token; returns null if any was bad.</summary>
    public static ServerOptions? Parse(string text, SourceLocation location, DiagnosticBag diagnostics)
    {
        var tokens = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var options = ServerOptions.HaproxyDefaults with { Text = string.Join(' ', tokens) };
        var ok = true;
        for (var i = 0; i < tokens.Length; i++)
        {
            var keyword = tokens[i];
            if (!Keywords.Contains(keyword))
            {
                diagnostics.Error(location, $"unknown server option '{keyword}'{Suggestions.DidYouMean(keyword, Keywords)}");
                ok = false;
                continue;
            }
            if (i + 1 >= tokens.Length)
            {
                diagnostics.Error(location, $"server option '{keyword}' needs a value");
                ok = false;
                break;
            }
            var value = tokens[++i];
            string? problem = null;
            switch (keyword)
            {
                case "inter":
                    options = Duration(value, out var inter, ref problem) ? options with { Inter = inter } : options;
                    break;
                case "fastinter":
                    options = Duration(value, out var fast, ref problem) ? options with { FastInterSetting = fast } : options;
                    break;
                case "downinter":
                    options = Duration(value, out var down, ref problem) ? options with { DownInterSetting = down } : options;
                    break;
                case "slowstart":
                    options = Duration(value, out var slow, ref problem, allowZero: true) ? options with { SlowStart = slow } : options;
                    break;
                case "rise":
                    options = Integer(value, 1, 1000, out var rise, ref problem) ? options with { Rise = rise } : options;
                    break;
                case "fall":
                    options = Integer(value, 1, 1000, out var fall, ref problem) ? options with { Fall = fall } : options;
                    break;
                case "maxconn":
                    options = Integer(value, 0, 10_000_000, out var maxconn, ref problem) ? options with { MaxConn = maxconn } : options;
                    break;
                case "maxqueue":
                    options = Integer(value, 0, 10_000_000, out var maxqueue, ref problem) ? options with { MaxQueue = maxqueue } : options;
                    break;
                case "weight":
                    options = Integer(value, 0, 256, out var weight, ref problem) ? options with { Weight = weight } : options;
                    break;
                case "on-marked-down":
                    if (value == "shutdown-sessions")
                    {
                        options = options with { OnMarkedDown = MarkedDownAction.ShutdownSessions };
                    }
                    else
                    {
                        problem = "must be 'shutdown-sessions'";
                    }
                    break;
                case "on-marked-up":
                    if (value == "shutdown-backup-sessions")
                    {
                        options = options with { OnMarkedUp = MarkedUpAction.ShutdownBackupSessions };
                    }
                    else
                    {
                        problem = "must be 'shutdown-backup-sessions'";
                    }
                    break;
            }
            if (problem is not null)
            {
                diagnostics.Error(location, $"server option '{keyword} {value}': {problem}");
                ok = false;
            }
        }
        return ok ? options : null;
    }

    /// <summary>HAProxy's timers hold milliseconds in a signed 32-bit integer.</summary>
    internal static readonly TimeSpan MaxDuration = TimeSpan.FromMilliseconds(int.MaxValue);

    /// <summary>HAProxy's time format: a number with an optional unit (us, ms, s, m, h, d); no unit means ms.</summary>
    internal static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var match = DurationPattern().Match(text);
        if (!match.Success || !long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }
        var microseconds = match.Groups[2].Value switch
        {
            "us" => 1L,
            "" or "ms" => 1_000L,
            "s" => 1_000_000L,
            "m" => 60_000_000L,
            "h" => 3_600_000_000L,
            _ => 86_400_000_000L,
        };
        if (n > MaxDuration.Ticks / 10 / microseconds)
        {
            return false;
        }
        duration = TimeSpan.FromMicroseconds(n * microseconds);
        return true;
    }

    private static bool Duration(string text, out TimeSpan duration, ref string? problem, bool allowZero = false)
    {
        if (TryParseDuration(text, out duration) && (allowZero || duration > TimeSpan.Zero))
        {
            return true;
        }
        problem = $"needs a {(allowZero ? "" : "positive ")}time such as 2s, 500ms or 1m, at most {(long)MaxDuration.TotalMilliseconds}ms";
        return false;
    }

    private static bool Integer(string text, int min, int max, out int value, ref string? problem)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
        {
            return true;
        }
        problem = $"needs an integer from {min} to {max}";
        return false;
    }
}
