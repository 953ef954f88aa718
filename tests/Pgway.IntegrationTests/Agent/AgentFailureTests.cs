using System.Diagnostics;
using System.Runtime.InteropServices;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Agent;

/// <summary>The agent's answers when an instance stops, crashes or is promoted (a cluster of its own per test).</summary>
public sealed class AgentFailureTests() : FreshPgTestClusterPerTest(PgTestClusterOptions.PrimaryAndReplica)
{
    [Fact]
    public async Task Answer_InstanceStoppedOrKilled_UnavailableQuicklyWithStateNotRunning()
    {
        var (primary, replica) = (Cluster.Primary, Cluster.Instance(2));
        var log = new ListLogger<Pgway.Agent.PatroniAgent>();
        await using var server = await TestAgents.StartAsync(Cluster.Instances.Select(i => TestAgents.Options(Cluster, i)), log);
        Assert.Equal(200, (await TestAgents.CheckAsync(replica, "/replica")).Code);

        await Cluster.StopAsync(replica);
        // The status read just before the stop may answer for up to the cache interval.
        Assert.Equal(503, await TestAgents.WaitForStatusAsync(replica, "/replica", 503));
        var watch = Stopwatch.StartNew();
        var (status, body) = await TestAgents.GetAsync(replica, "/replica");

        Assert.Equal(503, status);
        Assert.Equal("stopped", body.GetProperty("state").GetString());
        Assert.False(body.TryGetProperty("xlog", out _));
        // Refused at once, not after the status query's 2 s bound.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"answered after {watch.Elapsed}");
        Assert.Equal(503, (await TestAgents.CheckAsync(replica, "/health")).Code);
        Assert.Equal(503, (await TestAgents.CheckAsync(replica, "/read-only")).Code);
        Assert.Equal(503, (await TestAgents.GetAsync(replica, "/readiness")).Status);
        Assert.Equal(200, (await TestAgents.GetAsync(replica, "/liveness")).Status);
        // Checks see only 503; the log says why, once.
        Assert.Single(log.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning && l.Message.StartsWith("pg-test-2: PostgreSQL stopped", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Message == "pg-test-2: PostgreSQL running as replica");

        await Cluster.KillAsync(primary);

        Assert.Equal(503, await TestAgents.WaitForStatusAsync(primary, "/primary", 503));
        Assert.Equal("stopped", (await TestAgents.GetAsync(primary, "/")).Body.GetProperty("state").GetString());

        // Back again: the agent reconnects by itself.
        await Cluster.StartAsync(primary);
        await Cluster.StartAsync(replica);

        Assert.Equal(200, await TestAgents.WaitForStatusAsync(primary, "/primary", 200));
        Assert.Equal(200, await TestAgents.WaitForStatusAsync(replica, "/replica", 200));
    }

    [Fact]
    public async Task Answer_PrimaryGoneWhileReplicaBehind_ReplicaStaysLaggingUntilReplayed()
    {
        var (primary, replica) = (Cluster.Primary, Cluster.Instance(2));
        await using var server = await TestAgents.StartAsync([TestAgents.Options(Cluster, replica)]);
        await Cluster.PauseReplayAsync(replica);
        await Cluster.ExecuteNonQueryAsync(primary, "CREATE TABLE behind AS SELECT generate_series(1, 1000) AS id");
        Assert.Equal(503, await TestAgents.WaitForStatusAsync(replica, "/replica?lag=0", 503));

        // With the primary gone, the WAL receiver and its report go too; the agent remembers the position.
        await Cluster.KillAsync(primary);
        Assert.Equal(503, await TestAgents.WaitForStatusAsync(replica, "/replica?replication_state=streaming", 503));

        Assert.Equal(503, (await TestAgents.CheckAsync(replica, "/replica?lag=0")).Code);
        var (_, body) = await TestAgents.GetAsync(replica, "/replica?lag=0");
        Assert.Equal("in archive recovery", body.GetProperty("replication_state").GetString());
        Assert.Equal(200, (await TestAgents.CheckAsync(replica, "/replica")).Code);

        await Cluster.ResumeReplayAsync(replica);

        Assert.Equal(200, await TestAgents.WaitForStatusAsync(replica, "/replica?lag=0", 200));
    }

    [Fact]
    public async Task Answer_ReplicaPromoted_PrimaryTurnsAvailable()
    {
        var replica = Cluster.Instance(2);
        await using var server = await TestAgents.StartAsync(Cluster.Instances.Select(i => TestAgents.Options(Cluster, i)));
        Assert.Equal(503, (await TestAgents.CheckAsync(replica, "/primary")).Code);

        await Cluster.PromoteAsync(replica);

        Assert.Equal(200, await TestAgents.WaitForStatusAsync(replica, "/primary", 200));
        Assert.Equal(503, (await TestAgents.CheckAsync(replica, "/replica")).Code);
        var (_, body) = await TestAgents.GetAsync(replica, "/primary");
        Assert.Equal("primary", body.GetProperty("role").GetString());
        Assert.Equal(2, body.GetProperty("timeline").GetInt32());
        // The old primary still runs read-write: with no DCS, each instance speaks for itself.
        Assert.Equal(200, (await TestAgents.CheckAsync(Cluster.Primary, "/primary")).Code);
    }

    [Fact]
    public async Task Answer_ServerHangs_AnswersWithinTheStatusTimeout()
    {
        var replica = Cluster.Instance(2);
        var defaults = TestAgents.Options(Cluster, replica);
        // No cache: every request asks the server, so the frozen one is asked at once.
        var options = defaults with { Instance = defaults.Instance with { Timeout = TimeSpan.FromSeconds(1) }, CacheMaxAge = TimeSpan.Zero };
        await using var server = await TestAgents.StartAsync([options]);
        Assert.Equal(200, (await TestAgents.CheckAsync(replica, "/replica")).Code);

        // SIGSTOP freezes the postmaster and every backend: connections are accepted by the kernel, never answered.
        var pids = await FreezeAsync(replica);
        try
        {
            var watch = Stopwatch.StartNew();
            var (status, body) = await TestAgents.GetAsync(replica, "/replica");

            Assert.Equal(503, status);
            Assert.Equal("unknown", body.GetProperty("state").GetString());
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"answered after {watch.Elapsed}");
        }
        finally
        {
            foreach (var pid in pids)
            {
                NativeSignal.Continue(pid);
            }
        }
        Assert.Equal(200, await TestAgents.WaitForStatusAsync(replica, "/replica", 200));
    }

    [Fact]
    public async Task Answer_OnlyPostmasterStopped_UnavailableAlthoughTheKeptConnectionWorks()
    {
        var replica = Cluster.Instance(2);
        await using var server = await TestAgents.StartAsync([TestAgents.Options(Cluster, replica)]);
        Assert.Equal(200, (await TestAgents.CheckAsync(replica, "/read-only")).Code);

        // Only the postmaster: the agent's kept connection (a backend) goes on answering, new clients hang.
        var postmaster = replica.Pid ?? throw new InvalidOperationException($"{replica} has no PID");
        NativeSignal.Stop(postmaster);
        try
        {
            Assert.Equal(503, await TestAgents.WaitForStatusAsync(replica, "/read-only", 503, timeoutSeconds: 20));
            var (_, body) = await TestAgents.GetAsync(replica, "/read-only");
            Assert.Contains("new connection", body.GetProperty("error").GetString() ?? "", StringComparison.Ordinal);
        }
        finally
        {
            NativeSignal.Continue(postmaster);
        }
        Assert.Equal(200, await TestAgents.WaitForStatusAsync(replica, "/read-only", 200));
    }

    [Fact]
    public async Task Answer_PrimaryHangs_ReplicaStillAnswersFromItsOwnState()
    {
        var (primary, replica) = (Cluster.Primary, Cluster.Instance(2));
        var defaults = TestAgents.Options(Cluster, replica);
        var options = defaults with { Instance = defaults.Instance with { Timeout = TimeSpan.FromSeconds(2) }, CacheMaxAge = TimeSpan.Zero };
        await using var server = await TestAgents.StartAsync([options]);
        Assert.Equal(200, (await TestAgents.CheckAsync(replica, "/replica?lag=0")).Code);

        var pids = await FreezeAsync(primary);
        try
        {
            var (status, body) = await TestAgents.GetAsync(replica, "/replica?lag=0");

            // The upstream cannot be asked; the WAL receiver's last report still bounds the lag.
            Assert.Equal(200, status);
            Assert.Equal("running", body.GetProperty("state").GetString());
        }
        finally
        {
            foreach (var pid in pids)
            {
                NativeSignal.Continue(pid);
            }
        }
    }

    private static async Task<int[]> FreezeAsync(PgInstance instance)
    {
        var postmaster = instance.Pid ?? throw new InvalidOperationException($"{instance} has no PID");
        var children = (await File.ReadAllTextAsync($"/proc/{postmaster}/task/{postmaster}/children")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse);
        int[] pids = [postmaster, .. children];
        foreach (var pid in pids)
        {
            NativeSignal.Stop(pid);
        }
        return pids;
    }
}

/// <summary>Freezing and thawing processes this test started, by PID.</summary>
internal static class NativeSignal
{
    private const int SigStop = 19;
    private const int SigCont = 18;

    public static void Stop(int pid) => _ = Kill(pid, SigStop);

    public static void Continue(int pid) => _ = Kill(pid, SigCont);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
