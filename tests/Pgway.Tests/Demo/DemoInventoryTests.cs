using System.Net;
using System.Net.Sockets;
using Pgway.Configuration;
using Pgway.Demo;
using Pgway.Model;

namespace Pgway.Tests.Demo;

public sealed class DemoInventoryTests
{
    private static Cluster Load()
    {
        var result = InventoryLoader.LoadText(DemoInventory.Text, DemoInventory.FileName);
        Assert.Empty(result.Diagnostics);
        return Assert.Single(result.Topology!.Clusters);
    }

    [Fact]
    public void Text_Loads_ThreeLoopbackNodesWithPigstysServicesOnTheFirst()
    {
        var cluster = Load();
        Assert.Equal(DemoInventory.ClusterName, cluster.Name);
        Assert.Equal(
            [("127.0.0.11", InstanceRole.Primary), ("127.0.0.12", InstanceRole.Replica), ("127.0.0.13", InstanceRole.Offline)],
            cluster.Instances.Select(i => (i.Address, i.Role)));
        Assert.Equal(
            [("primary", 5433), ("replica", 5434), ("default", 5436), ("offline", 5438)],
            cluster.Services.Select(s => (s.Name, s.Port)));
        Assert.All(cluster.Services, s => Assert.Equal("127.0.0.11", s.Bind));
        Assert.All(cluster.Instances, i => Assert.Equal((5432, 6432, 8008, 9101), (i.PgPort, i.PgbouncerPort, i.PatroniPort, i.HaproxyExporterPort)));
    }

    [Fact]
    public void CreateSql_DemoInventory_CreatesPigstysRolesAndTheInventorysUsers()
    {
        var sql = DemoRoles.CreateSql(Load().Instances[0]);
        foreach (var expected in (string[])[
            "CREATE ROLE \"dbrole_readonly\" NOLOGIN;",
            "GRANT \"dbrole_readonly\" TO \"dbrole_readwrite\";",
            "CREATE ROLE \"replicator\" LOGIN REPLICATION PASSWORD 'DBUser.Replicator';",
            "CREATE ROLE \"dbuser_dba\" LOGIN SUPERUSER PASSWORD 'DBUser.DBA';",
            "CREATE ROLE \"dbuser_monitor\" LOGIN PASSWORD 'DBUser.Monitor';",
            "GRANT \"pg_monitor\" TO \"dbuser_monitor\";",
            "CREATE ROLE \"dbuser_meta\" LOGIN PASSWORD 'DBUser.Meta';",
            "CREATE ROLE \"dbuser_view\" LOGIN PASSWORD 'DBUser.Viewer';",
            "CREATE ROLE \"test\" LOGIN PASSWORD 'test';",
            "GRANT \"dbrole_admin\" TO \"test\";",
        ])
        {
            Assert.Contains(expected, sql, StringComparison.Ordinal);
        }
        Assert.Equal(["test"], DemoRoles.Databases(Load().Instances[0]));
    }

    [Fact]
    public void FindProblem_PortHeld_NamesAddressPortAndWhatNeedsIt()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        var taken = (IPEndPoint)holder.LocalEndPoint!;

        var problem = PortCheck.FindProblem([(taken, "service pg-test-primary")]);

        Assert.NotNull(problem);
        Assert.StartsWith($"{taken} is taken, and service pg-test-primary needs it", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void FindProblem_PortFree_Null()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var free = (IPEndPoint)probe.LocalEndPoint!;
        probe.Close();

        Assert.Null(PortCheck.FindProblem([(free, "the pooler of pg-test-1")]));
    }
}
