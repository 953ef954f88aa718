using System.Diagnostics;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Testing;

// The lab's re-clone removes a member's data directory only after every process naming it is gone: one left behind
// (a postmaster Patroni was still starting) kept the port and answered for the new clone.
public sealed class DataDirectoryProcessesTests
{
    [Fact]
    public async Task KillAll_ProcessesNamingTheDirectoryInEachForm_AllGoneOthersLeft()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"pgway-ddp-{Guid.NewGuid():N}", "data");
        var other = directory + "2";
        Process[] named = [Sleeper(directory), Sleeper("-D" + directory), Sleeper("--target-pgdata=" + directory)];
        using var unrelated = Sleeper(other);
        using var prefixOnly = Sleeper("--pgdata=" + directory + "/sub");
        try
        {
            Assert.Equal(named.Select(process => process.Id).Order(), DataDirectoryProcesses.Find(directory).Order());

            await DataDirectoryProcesses.KillAllAsync(directory, TimeSpan.FromSeconds(10), CancellationToken.None);

            foreach (var process in named)
            {
                Assert.True(process.WaitForExit(TimeSpan.FromSeconds(10)), $"{process.Id} still runs");
            }

            Assert.Empty(DataDirectoryProcesses.Find(directory));
            Assert.False(unrelated.HasExited);
            Assert.False(prefixOnly.HasExited);
        }
        finally
        {
            foreach (var process in named.Append(unrelated).Append(prefixOnly))
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.Dispose();
            }
        }
    }

    // sh -c 'sleep 60; :' <argument>: the argument becomes sh's $0, kept on its command line; the ":" after the sleep
    // keeps sh from replacing itself with it.
    private static Process Sleeper(string argument)
    {
        var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "sleep 60; :", argument]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("sh did not start");
        return process;
    }
}
