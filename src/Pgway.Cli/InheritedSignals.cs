using System.Runtime.InteropServices;
using Pgway.Cli.Commands;

namespace Pgway.Cli;

/// <summary>
/// Signals a long-running command handles, taken back when its parent left them ignored. A process
/// started by <c>nohup</c> inherits SIGHUP ignored, and one started in the background by a script (a
/// CI runner, a non-interactive shell's <c>&amp;</c>) inherits SIGINT ignored; .NET keeps an inherited
/// SIG_IGN, so a <see cref="PosixSignalRegistration"/> for it never runs: <c>serve</c> would not reload
/// on SIGHUP, nor <c>demo</c> stop on SIGINT, and nothing would say why. Like PgBouncer and PostgreSQL,
/// which install their handlers whatever they inherit, these commands claim the signals they document.
/// </summary>
internal static partial class InheritedSignals
{
    public const int SigHup = 1;
    public const int SigInt = 2;
    public const int SigTerm = 15;

    private static readonly nint Ignore = 1;
    private static readonly nint Default = 0;

    // struct sigaction is at most 152 bytes (glibc); its first field is the handler on Linux and macOS.
    private const int SigactionSize = 256;

    /// <summary>The signals <paramref name="command"/> documents: serve reloads on SIGHUP and drains on SIGINT and SIGTERM; agent and demo stop on them.</summary>
    public static IReadOnlyList<int> HandledBy(string? command) => command switch
    {
        ServeCommand.Name => [SigHup, SigInt, SigTerm],
        AgentCommand.Name or DemoCommand.Name => [SigInt, SigTerm],
        _ => [],
    };

    /// <summary>
    /// Gives each of <paramref name="signals"/> that is ignored its default action back, so .NET installs
    /// its handler when the command registers one; a signal with a handler already is left alone. Call it
    /// before anything starts .NET's signal handling (the first use of Console, Process or
    /// PosixSignalRegistration), which records what it finds once. Returns the signals taken back.
    /// </summary>
    public static IReadOnlyList<int> Claim(IReadOnlyList<int> signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        if (OperatingSystem.IsWindows())
        {
            return [];
        }
        var claimed = new List<int>();
        foreach (var signal in signals)
        {
            if (IsIgnored(signal) && SetHandler(signal, Default))
            {
                claimed.Add(signal);
            }
        }
        return claimed;
    }

    /// <summary>Whether the process ignores <paramref name="signal"/> now (SIG_IGN).</summary>
    public static bool IsIgnored(int signal) => !OperatingSystem.IsWindows() && Handler(signal) == Ignore;

    /// <summary>Makes the process ignore <paramref name="signal"/>, as nohup does for SIGHUP; for tests.</summary>
    internal static bool SetIgnored(int signal) => SetHandler(signal, Ignore);

    private static nint Handler(int signal)
    {
        var current = new byte[SigactionSize];
        return sigaction(signal, null, current) == 0 ? MemoryMarshal.Read<nint>(current) : Default;
    }

    private static bool SetHandler(int signal, nint handler)
    {
        // No flags and an empty mask, as a process starts with.
        var action = new byte[SigactionSize];
        MemoryMarshal.Write(action, in handler);
        return sigaction(signal, action, null) == 0;
    }

    [LibraryImport("libc", EntryPoint = "sigaction", SetLastError = true)]
    private static partial int sigaction(int signal, byte[]? action, [Out] byte[]? previous);
}
