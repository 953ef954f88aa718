using System.CommandLine;

namespace Pgway.Cli;

/// <summary>Options several commands share, built fresh per command as System.CommandLine requires.</summary>
internal static class CommonOptions
{
    public static Option<FileInfo> Config() => new("--config", "-c")
    {
        Description = "The Pigsty-style inventory YAML",
        Required = true,
    };

    public static Option<string?> Cluster() => new("--cluster")
    {
        Description = "Only this cluster (pg_cluster)",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print JSON for scripts instead of a table",
    };
}
