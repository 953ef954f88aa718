using System.Diagnostics;
using System.Globalization;

namespace Pgway.LocalPostgres;

/// <summary>
/// The directory holding the PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup, postgres).
/// </summary>
internal sealed class PgBinaries
{
    /// <summary>The environment variable that overrides binary discovery.</summary>
    public const string EnvironmentVariable = "PGWAY_PG_BIN";

    private const string DebianRoot = "/usr/lib/postgresql";

    private PgBinaries(string directory)
    {
        Directory = directory;
    }

    /// <summary>The absolute path of the bin directory.</summary>
    public string Directory { get; }

    /// <summary>The full path of one binary in <see cref="Directory"/>, e.g. <c>PathOf("pg_ctl")</c>.</summary>
    public string PathOf(string binary) => Path.Combine(Directory, binary);

    /// <summary>
    /// Finds the binaries: <paramref name="explicitDirectory"/> if given, else <c>PGWAY_PG_BIN</c>,
    /// else the highest <c>/usr/lib/postgresql/N/bin</c> that has initdb, else <c>pg_config --bindir</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No usable directory was found.</exception>
    public static PgBinaries Locate(string? explicitDirectory = null)
    {
        var chosen = explicitDirectory ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(chosen))
        {
            // An explicit choice that is wrong must fail loudly rather than fall back to another version.
            return HasInitdb(chosen)
                ? new PgBinaries(Path.GetFullPath(chosen))
                : throw new InvalidOperationException(
                    $"PostgreSQL binaries not found: '{chosen}' (from {(explicitDirectory is null ? EnvironmentVariable : "the explicit directory")}) has no initdb. " +
                    "Point it at a PostgreSQL bin directory, or unset it and install the 'postgresql' package (apt-get install postgresql).");
        }

        var debian = FindHighestDebianBin();
        if (debian is not null)
        {
            return new PgBinaries(debian);
        }

        var fromPgConfig = AskPgConfig();
        if (fromPgConfig is not null && HasInitdb(fromPgConfig))
        {
            return new PgBinaries(fromPgConfig);
        }

        throw new InvalidOperationException(
            $"PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not found: set {EnvironmentVariable} to their directory, " +
            $"or install the 'postgresql' package (apt-get install postgresql) so that {DebianRoot}/<version>/bin or 'pg_config --bindir' has them.");
    }

    private static bool HasInitdb(string directory) => File.Exists(Path.Combine(directory, "initdb"));

    private static string? FindHighestDebianBin()
    {
        if (!System.IO.Directory.Exists(DebianRoot))
        {
            return null;
        }

        string? best = null;
        var bestVersion = -1.0;
        foreach (var versionDirectory in System.IO.Directory.EnumerateDirectories(DebianRoot))
        {
            // Old releases are named "9.6", new ones "15"; both parse as a number that orders correctly.
            if (!double.TryParse(Path.GetFileName(versionDirectory), NumberStyles.Float, CultureInfo.InvariantCulture, out var version))
            {
                continue;
            }

            var bin = Path.Combine(versionDirectory, "bin");
            if (version > bestVersion && HasInitdb(bin))
            {
                best = bin;
                bestVersion = version;
            }
        }

        return best;
    }

    private static string? AskPgConfig()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // pg_config is not on PATH: not an error, just one fewer place to look.
            return null;
        }
    }
}
