using System.Runtime.InteropServices;

namespace Pgway.Testing;

/// <summary>The libc calls the harness needs: .NET has no API for sending a signal other than SIGKILL.</summary>
internal static class NativeMethods
{
    /// <summary>SIGTERM: the polite request to shut down.</summary>
    internal const int SigTerm = 15;

    /// <summary>kill(2): 0 on success, -1 when the process is gone or not ours to signal.</summary>
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int SendSignal(int pid, int signal);

    /// <summary>setns(2)'s type for a network namespace.</summary>
    internal const int CloneNewNet = 0x40000000;

    /// <summary>setns(2): moves the calling thread into the namespace <paramref name="fd"/> refers to; 0 on success.</summary>
    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int SetNamespace(int fd, int nsType);
}
