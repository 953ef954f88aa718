using System.Runtime.InteropServices;

namespace Pgway.Testing;

/// <summary>The one libc call the harness needs: .NET has no API for the effective user id.</summary>
internal static class NativeMethods
{
    [DllImport("libc", EntryPoint = "geteuid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern uint GetEffectiveUserId();
}
