using Pgway.Hosting;
using Pgway.Model;

namespace Pgway.Tests.Admin;

/// <summary>haproxy_auth_enabled, haproxy_admin_username and haproxy_admin_password as the admin endpoint reads them.</summary>
public sealed class AdminAuthInventoryTests
{
    private static string Inventory(string vars) => $$"""
        all:
          children:
            pg-test:
              hosts:
                10.0.0.1: { pg_seq: 1, pg_role: primary }
                10.0.0.2: { pg_seq: 2, pg_role: replica, haproxy_exporter_port: 9102 }
              vars: { pg_cluster: pg-test{{vars}} }
        """;

    [Fact]
    public void Load_NoAdminVariables_MetricsOpen()
    {
        var topology = TestInventories.LoadValid(Inventory(""));

        Assert.All(topology.Clusters.Single().Instances, i => Assert.Null(i.AdminAuth));
    }

    [Fact]
    public void Load_UsernameAndPassword_Credentials()
    {
        var topology = TestInventories.LoadValid(Inventory(", haproxy_admin_username: admin, haproxy_admin_password: 'p@ss'"));

        Assert.All(topology.Clusters.Single().Instances, i => Assert.Equal(new AdminCredentials("admin", "p@ss"), i.AdminAuth));
    }

    [Fact]
    public void Load_PasswordOnly_PigstysDefaultUsernameAdmin()
    {
        var result = TestInventories.Load(Inventory(", haproxy_admin_password: 'p@ss'"));

        Assert.Empty(result.Diagnostics);
        Assert.All(result.Topology!.Clusters.Single().Instances, i => Assert.Equal(new AdminCredentials("admin", "p@ss"), i.AdminAuth));
    }

    [Fact]
    public void Load_AuthDisabled_MetricsOpen()
    {
        var topology = TestInventories.LoadValid(Inventory(", haproxy_auth_enabled: false, haproxy_admin_username: admin, haproxy_admin_password: pigsty"));

        Assert.All(topology.Clusters.Single().Instances, i => Assert.Null(i.AdminAuth));
    }

    [Theory]
    [InlineData(", haproxy_admin_username: admin", "haproxy_admin_username is set but haproxy_admin_password is not")]
    [InlineData(", haproxy_admin_username: 'a:b', haproxy_admin_password: x", "haproxy_admin_username must not contain ':'")]
    [InlineData(", haproxy_admin_username: '', haproxy_admin_password: x", "haproxy_admin_username must be a non-empty string")]
    [InlineData(", haproxy_auth_enabled: maybe", "haproxy_auth_enabled must be true or false")]
    public void Load_InvalidAdminVariables_Error(string vars, string error)
    {
        var result = TestInventories.Load(Inventory(vars));

        Assert.True(result.HasErrors);
        result.Single(error);
    }

    [Fact]
    public void AdminListens_HostedNodes_EachAddressAndExporterPort()
    {
        var topology = TestInventories.LoadValid(Inventory(", haproxy_admin_username: admin, haproxy_admin_password: x"));

        var listens = GatewayHost.AdminListens(topology.Clusters, ["10.0.0.2"]);

        var listen = Assert.Single(listens);
        Assert.Equal("10.0.0.2:9102", listen.EndPoint.ToString());
        Assert.Equal("admin", listen.Credentials?.Username);
    }
}
