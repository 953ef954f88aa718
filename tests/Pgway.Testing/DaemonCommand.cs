namespace Pgway.Testing;

/// <summary>
/// How to start a <see cref="DaemonProcess"/>: the program and its arguments, the argument that identifies
/// it later (unique to this cluster, such as its config file or data directory), where its output and its
/// PID go, and the OS user to run it as (null: the harness's own).
/// </summary>
internal sealed record DaemonCommand(
    string Program,
    IReadOnlyList<string> Arguments,
    string IdentifyingArgument,
    string WorkingDirectory,
    string LogPath,
    string PidFilePath)
{
    public string? UserName { get; init; }
}
