using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Pgway.Testing;

/// <summary>
/// Process-wide last resort: if the test process ends without disposing a cluster (an aborted run, a
/// crashed fixture, a SIGTERM from CI), kill the processes it started and remove its directories.
/// Static by necessity: process exit and signals are process-wide, and this is test infrastructure only.
/// </summary>
/// <remarks>
/// Both hooks are needed: on SIGTERM the runtime exits without raising ProcessExit (seen with .NET 10),
/// and a signal handler that does not cancel lets the default termination go on afterwards.
/// A SIGKILLed process runs neither; <see cref="AbandonedClusterJanitor"/> covers that on the next run.
/// Every reaper kills by PID and only after checking the PID's command line, so running it twice is harmless.
/// </remarks>
internal static class ExitReaper
{
    private static readonly ConcurrentDictionary<string, Action> s_reapers = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, byte> s_directories = new(StringComparer.Ordinal);
    private static readonly Lock s_hookGate = new();
    private static List<PosixSignalRegistration>? s_signalRegistrations;

    public static void TrackPostmaster(int pid, string dataDirectory) =>
        Track(PostmasterKey(pid), () => PostmasterProcess.KillTree(pid, dataDirectory));

    public static void ForgetPostmaster(int pid) => Forget(PostmasterKey(pid));

    /// <summary>Runs <paramref name="reap"/> at exit unless <see cref="Forget"/> is called with the same key first.</summary>
    public static void Track(string key, Action reap)
    {
        Hook();
        s_reapers[key] = reap;
    }

    public static void Forget(string key) => s_reapers.TryRemove(key, out _);

    public static void TrackDirectory(string path)
    {
        Hook();
        s_directories[path] = 0;
    }

    public static void ForgetDirectory(string path) => s_directories.TryRemove(path, out _);

    private static string PostmasterKey(int pid) => $"postmaster {pid}";

    private static void Hook()
    {
        lock (s_hookGate)
        {
            if (s_signalRegistrations is not null)
            {
                return;
            }

            AppDomain.CurrentDomain.ProcessExit += (_, _) => ReapAll();

            // Kept in a static field: a collected registration would stop handling the signal.
            s_signalRegistrations =
            [
                .. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGHUP }
                    .Select(signal => PosixSignalRegistration.Create(signal, _ => ReapAll())),
            ];
        }
    }

    private static void ReapAll()
    {
        foreach (var (key, reap) in s_reapers)
        {
            try
            {
                reap();
            }
            catch (Exception exception) when (exception is IOException or InvalidOperationException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
            {
                // Best effort at exit: one process that cannot be killed must not keep the others alive.
            }

            s_reapers.TryRemove(key, out _);
        }

        foreach (var path in s_directories.Keys)
        {
            try
            {
                Directory.Delete(path, recursive: true);
                s_directories.TryRemove(path, out _);
            }
            catch (IOException)
            {
                // Best effort at exit: a leftover temp directory is harmless, a leftover server is not.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
