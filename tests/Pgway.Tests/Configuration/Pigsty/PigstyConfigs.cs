namespace Pgway.Tests.Configuration.Pigsty;

/// <summary>
/// Where Pigsty's own shipped inventories are on this machine, if anywhere: <c>PGWAY_PIGSTY_CONFIGS</c>,
/// else <c>../shared/reference/pigsty-configs</c> beside the repository. They are Pigsty's files, read
/// in place and never copied into this repository, so CI (which lacks them) skips the test.
/// </summary>
internal static class PigstyConfigs
{
    public const string Variable = "PGWAY_PIGSTY_CONFIGS";

    public static string? Folder { get; } = Find();

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured)
        {
            return Directory.Exists(configured) ? configured : null;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "pgway.slnx")))
            {
                var folder = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "reference", "pigsty-configs"));
                return Directory.Exists(folder) ? folder : null;
            }
        }
        return null;
    }

    /// <summary>
    /// Cluster fragments (not whole inventories), which Pigsty's README says load once wrapped in
    /// <c>all.children</c>.
    /// </summary>
    public static bool IsFragment(string relativePath) =>
        relativePath.Replace('\\', '/') is var path &&
        (path.StartsWith("v1.5.1/files/conf/example/", StringComparison.Ordinal) || path.StartsWith("v1.0.0/files/conf/cls/", StringComparison.Ordinal));

    /// <summary>A fragment's groups indented under <c>all.children</c>.</summary>
    public static string Wrap(string fragment) =>
        "all:\n  children:\n" + string.Join('\n', fragment.ReplaceLineEndings("\n").Split('\n').Select(line => line.Length == 0 ? line : "    " + line));
}
