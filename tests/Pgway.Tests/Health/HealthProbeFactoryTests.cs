using Pgway.Health;
using Pgway.Model;

namespace Pgway.Tests.Health;

public class HealthProbeFactoryTests
{
    private static readonly Topology Cluster = TestInventories.LoadValid("""
        all:
          children:
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
                10.10.10.12: { pg_seq: 2, pg_role: replica }
              vars: { pg_cluster: pg-test }
        """);

    private static Instance Node(int seq) => Cluster.Clusters[0].Instances.Single(i => i.Seq == seq);

    private static CheckTarget Sql(Instance instance, string path) =>
        new(HealthCheckKind.Postgres, instance.Address, instance.PgPort, "", path);

    [Fact]
    public async Task Create_SqlChecksOfOneInstance_ShareOneReaderUntilTheLastCloses()
    {
        var factory = new HealthProbeFactory(TimeProvider.System);

        var primary = Assert.IsType<PostgresHealthProbe>(factory.Create(Sql(Node(1), "/primary"), Node(1)));
        var readOnly = Assert.IsType<PostgresHealthProbe>(factory.Create(Sql(Node(1), "/read-only"), Node(1)));
        var other = Assert.IsType<PostgresHealthProbe>(factory.Create(Sql(Node(2), "/primary"), Node(2)));

        Assert.Same(primary.Reader, readOnly.Reader);
        Assert.NotSame(primary.Reader, other.Reader);
        await primary.DisposeAsync();
        var again = Assert.IsType<PostgresHealthProbe>(factory.Create(Sql(Node(1), "/replica"), Node(1)));
        Assert.Same(readOnly.Reader, again.Reader);
        await readOnly.DisposeAsync();
        await again.DisposeAsync();
        var fresh = Assert.IsType<PostgresHealthProbe>(factory.Create(Sql(Node(1), "/primary"), Node(1)));
        Assert.NotSame(again.Reader, fresh.Reader);
        await fresh.DisposeAsync();
        await other.DisposeAsync();
    }

    [Fact]
    public async Task Create_HttpCheck_IsAnHttpProbe()
    {
        var factory = new HealthProbeFactory(TimeProvider.System);

        await using var probe = factory.Create(new CheckTarget(HealthCheckKind.Http, "10.10.10.11", 8008, "OPTIONS", "/primary"), Node(1));

        Assert.IsType<HttpHealthProbe>(probe);
    }
}
