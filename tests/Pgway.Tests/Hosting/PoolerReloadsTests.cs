using Pgway.Health;
using Pgway.Hosting;
using Pgway.Routing;

namespace Pgway.Tests.Hosting;

/// <summary>The node poolers' side of a reload, worked out before anything changes: new options, and what needs a restart.</summary>
public sealed class PoolerReloadsTests
{
    private static readonly GatewayOptions Options = new(["10.10.10.11", "10.10.10.12"], RunAgents: false, HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty);

    private static System.Collections.Immutable.ImmutableArray<Pgway.Model.Cluster> Clusters(string secondHostVars, string clusterVars = "") => TestInventories.LoadValid($$"""
        all:
          children:
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
                10.10.10.12: { pg_seq: 2, pg_role: replica {{secondHostVars}} }
              vars: { pg_cluster: pg-test, pgbouncer_default_pool_size: 7 {{clusterVars}} }
        """).Clusters;

    [Fact]
    public void ForNodes_RunningPoolers_EachTakesItsNewOptions()
    {
        var (options, errors, warnings) = PoolerReloads.ForNodes(Clusters(""), ["pg-test-1", "pg-test-2"], Options, TestInventories.File);

        Assert.Empty(errors);
        Assert.Empty(warnings);
        Assert.Equal(["pg-test-1", "pg-test-2"], options.Keys.Order(StringComparer.Ordinal));
        Assert.All(options.Values, o => Assert.Equal(7, o.Options.Settings.DefaultPoolSize));
    }

    [Fact]
    public void ForNodes_PoolerAddedOrRemoved_WarnsItNeedsARestart()
    {
        var (added, _, addedWarnings) = PoolerReloads.ForNodes(Clusters(""), ["pg-test-1"], Options, TestInventories.File);
        var (removed, _, removedWarnings) = PoolerReloads.ForNodes(Clusters(", pgbouncer_enabled: false"), ["pg-test-1", "pg-test-2"], Options, TestInventories.File);

        Assert.Equal(["pg-test-1"], added.Keys);
        Assert.Equal(["pg-test-2: its pooler starts at the next restart"], addedWarnings);
        Assert.Equal(["pg-test-1"], removed.Keys);
        Assert.Equal(["pg-test-2: no pooler in the inventory any more; it runs until the next restart"], removedWarnings);
    }

    [Fact]
    public void ForNodes_AuthFileMissing_AnErrorThatRejectsTheReload()
    {
        var (options, errors, warnings) = PoolerReloads.ForNodes(Clusters("", ", pgbouncer_auth_file: missing-userlist.txt"), ["pg-test-1", "pg-test-2"], Options, TestInventories.File);

        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Contains("missing-userlist.txt", e, StringComparison.Ordinal));
        // No "no pooler any more" warning made up from poolers whose options could not be read.
        Assert.Empty(warnings);
        Assert.Empty(options);
    }

    [Fact]
    public void ForNodes_PoolersNotRun_Nothing()
    {
        var (options, errors, warnings) = PoolerReloads.ForNodes(Clusters(""), [], Options with { RunPoolers = false }, TestInventories.File);

        Assert.Empty(options);
        Assert.Empty(errors);
        Assert.Empty(warnings);
    }
}
