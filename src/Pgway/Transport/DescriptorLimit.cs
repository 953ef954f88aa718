using System.Runtime.InteropServices;

namespace Pgway.Transport;

/// <summary>The process's open-files limit (RLIMIT_NOFILE) and the descriptors it has open, on Linux.</summary>
internal static unsafe partial class DescriptorLimit
{
    // RLIMIT_NOFILE on Linux (x86-64 and arm64 alike).
    private const int NoFile = 7;

    /// <summary>
    /// Raises the soft limit to the hard one, as HAProxy does at start (the runtime usually has already),
    /// and returns the soft limit before and after; <see cref="long.MaxValue"/> when unlimited or unknown.
    /// </summary>
    public static (long Before, long Now) RaiseToHard()
    {
        if (!OperatingSystem.IsLinux())
        {
            return (long.MaxValue, long.MaxValue);
        }
        RLimit limit;
        if (getrlimit(NoFile, &limit) != 0)
        {
            return (long.MaxValue, long.MaxValue);
        }
        var before = Clamp(limit.Current);
        if (limit.Current < limit.Maximum)
        {
            var raised = limit with { Current = limit.Maximum };
            if (setrlimit(NoFile, &raised) == 0)
            {
                return (before, Clamp(raised.Current));
            }
        }
        return (before, before);
    }

    /// <summary>Descriptors this process has open now (0 where /proc is not there).</summary>
    public static int CountOpen()
    {
        try
        {
            return Directory.Exists("/proc/self/fd") ? Directory.EnumerateFileSystemEntries("/proc/self/fd").Count() : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    // RLIM_INFINITY is all ones.
    private static long Clamp(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value;

    [StructLayout(LayoutKind.Sequential)]
    private record struct RLimit(ulong Current, ulong Maximum);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, RLimit* limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, RLimit* limit);
}
