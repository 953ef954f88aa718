using System.Globalization;
using System.Text.RegularExpressions;

namespace Pgway.Configuration;

/// <summary>
/// The Pigsty release an inventory says it was written for (its global <c>version: v2.7.0</c>, set by
/// every file Pigsty has shipped since v1.5): where Pigsty's templates changed between releases, pgway
/// renders what that release rendered.
/// </summary>
internal static partial class PigstyVersion
{
    [GeneratedRegex(@"^v?(\d+)\.(\d+)")]
    private static partial Regex Pattern();

    /// <summary>(major, minor), or null when the inventory names no version pgway can read.</summary>
    public static (int Major, int Minor)? Of(VariableSet variables)
    {
        var match = variables.Value("version") is { } value ? Pattern().Match(value.ToString()) : null;
        if (match is not { Success: true } ||
            !int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var major) ||
            !int.TryParse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            return null;
        }
        return (major, minor);
    }

    /// <summary>True when the inventory names a release before <paramref name="major"/>.<paramref name="minor"/>.</summary>
    public static bool Before(VariableSet variables, int major, int minor) =>
        Of(variables) is { } version && (version.Major < major || (version.Major == major && version.Minor < minor));
}
