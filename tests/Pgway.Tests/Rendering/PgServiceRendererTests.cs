using Pgway.Rendering;

namespace Pgway.Tests.Rendering;

public class PgServiceRendererTests
{
    [Fact]
    public void Render_ClusterWithVip_EntriesPointAtVip()
    {
        var topology = TestInventories.Example("pg-test.yml");

        var text = PgServiceRenderer.Render(topology.Clusters, topology.SourceFile, "test");

        Assert.Contains("[pg-test-replica]\nhost=10.10.10.3\nport=5434\ndbname=test\n", text, StringComparison.Ordinal);
        Assert.Equal(4, text.Split('\n').Count(l => l.StartsWith('[')));
    }

    [Fact]
    public void Render_ClusterWithoutVip_EveryNodeIsAnEntryPoint()
    {
        var topology = TestInventories.Example("custom-services.yml");

        var text = PgServiceRenderer.Render(topology.Clusters, topology.SourceFile);

        Assert.Contains("[pg-test-standby]\nhost=10.10.10.11,10.10.10.12,10.10.10.13\nport=5435\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("dbname", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ServiceBoundToVip_UsesItsBind()
    {
        var topology = TestInventories.Example("pigsty-v1.yml");

        var text = PgServiceRenderer.Render(topology.Clusters, topology.SourceFile);

        Assert.Contains("[pg-v1-standby]\nhost=10.10.10.4\nport=5435\n", text, StringComparison.Ordinal);
        Assert.Contains("[pg-v1-primary]\nhost=10.10.10.4\nport=5433\n", text, StringComparison.Ordinal);
    }
}
