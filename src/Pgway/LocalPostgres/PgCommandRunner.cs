using System.Diagnostics;

namespace Pgway.LocalPostgres;

/// <summary>
/// Runs PostgreSQL binaries. initdb and postgres refuse to run as root, so under root every binary
/// goes through <c>runuser -u postgres --</c> and the files it needs are handed to that user.
/// </summary>
internal sealed partial class PgCommandRunner
{
    public const string ServiceUser = "postgres";

    public PgCommandRunner(PgBinaries binaries, bool runAsServiceUser)
    {
        Binaries = binaries;
        RunAsServiceUser = runAsServiceUser;
    }

    public PgBinaries Binaries { get; }

    public bool RunAsServiceUser { get; }

    public static bool IsRoot() => OperatingSystem.IsLinux() && GetEffectiveUserId() == 0;

    /// <summary>Runs a PostgreSQL binary by name, as the service user when this process is root.</summary>
    public Task<CommandResult> RunPgAsync(
        string binary,
        IReadOnlyList<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string>? environment,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var path = Binaries.PathOf(binary);
        return RunAsServiceUser
            ? RunAsync("runuser", ["-u", ServiceUser, "--", path, .. arguments], workingDirectory, environment, timeout, cancellationToken)
            : RunAsync(path, arguments, workingDirectory, environment, timeout, cancellationToken);
    }

    /// <summary>
    /// Runs <c>pg_ctl -D DATA -w -t SECONDS ARGUMENTS</c>: pg_ctl waits up to <paramref name="timeout"/>
    /// for the server to reach the new state, and is killed if it takes a few seconds longer still.
    /// </summary>
    public Task<CommandResult> PgCtlAsync(string dataDirectory, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout, CancellationToken cancellationToken) =>
        RunPgAsync(
            "pg_ctl",
            ["-D", dataDirectory, "-w", "-t", ((int)Math.Ceiling(timeout.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture), .. arguments],
            workingDirectory,
            null,
            timeout + TimeSpan.FromSeconds(5),
            cancellationToken);

    /// <summary>Gives a path (recursively) to the service user; a no-op when not root.</summary>
    public async Task HandOverAsync(string path, CancellationToken cancellationToken)
    {
        if (!RunAsServiceUser)
        {
            return;
        }

        var result = await RunAsync("chown", ["-R", $"{ServiceUser}:{ServiceUser}", path], Path.GetTempPath(), null, TimeSpan.FromSeconds(30), cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not give {path} to the '{ServiceUser}' OS user (needed because initdb refuses root): {result.Describe()}");
        }
    }

    public static async Task<CommandResult> RunAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string>? environment,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        PrepareEnvironment(startInfo, environment);
        var commandLine = string.Join(' ', [fileName, .. arguments]);
        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start '{commandLine}'.");

        // A tool that wants to prompt (a password, say) then fails at once instead of hanging.
        process.StandardInput.Close();

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeoutSource.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeoutSource.Token);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
            return new CommandResult(commandLine, process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            // The command is our child: take its whole tree down rather than leave it behind.
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException($"'{commandLine}' did not finish within {timeout.TotalSeconds:0} s and was killed.");
        }
    }

    /// <summary>
    /// Makes a child's environment hermetic: the developer's PGHOST, PGSSLMODE, PGDATA… must not leak into a
    /// local cluster, and messages in failure reports should read the same whatever the developer's locale.
    /// </summary>
    public static void PrepareEnvironment(ProcessStartInfo startInfo, IReadOnlyDictionary<string, string>? environment)
    {
        foreach (var key in startInfo.Environment.Keys.Where(key => key.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            startInfo.Environment.Remove(key);
        }

        startInfo.Environment["LC_ALL"] = "C";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                startInfo.Environment[key] = value;
            }
        }
    }

    // .NET has no API for the effective user id.
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
