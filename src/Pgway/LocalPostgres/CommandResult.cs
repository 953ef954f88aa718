namespace Pgway.LocalPostgres;

/// <summary>The outcome of one external command (initdb, pg_ctl, pg_basebackup…).</summary>
internal sealed record CommandResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    public string Describe() =>
        $"'{CommandLine}' exited with {ExitCode}.\nstdout: {Trim(StandardOutput)}\nstderr: {Trim(StandardError)}";

    private static string Trim(string text) => text.Length == 0 ? "(empty)" : text.TrimEnd();
}
