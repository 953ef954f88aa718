using Pgway.Model;

namespace Pgway.Tests.Configuration;

public class DcsConfigTests
{
    private static string Inventory(string vars) => $$"""
        all:
          children:
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
              vars:
                pg_cluster: pg-test
        {{vars}}
        """;

    private static DcsConfig? Dcs(string vars) => Assert.Single(TestInventories.LoadValid(Inventory(vars)).Clusters).Dcs;

    [Fact]
    public void Load_NoPgDcs_NoWatch() => Assert.Null(Dcs("        pg_namespace: /pg"));

    [Fact]
    public void Load_PgDcs_EndpointsAndNamespace()
    {
        var dcs = Dcs("        pg_dcs: { type: etcd, endpoints: [ http://127.0.0.1:2379, 'http://10.10.10.10:2379' ], namespace: /service }");
        Assert.Equal(["http://127.0.0.1:2379/", "http://10.10.10.10:2379/"], dcs!.Endpoints.Select(e => e.ToString()));
        Assert.Equal("/service", dcs.Namespace);
        Assert.Equal("/service/pg-test/", dcs.ScopePrefix("pg-test"));
    }

    [Theory]
    [InlineData("        pg_dcs: { endpoints: [ 10.10.10.10 ] }", "http://10.10.10.10:2379/", "/pg")]
    [InlineData("        pg_dcs: { endpoints: '10.10.10.10:2380, 10.10.10.11' }\n        pg_namespace: /pigsty/", "http://10.10.10.10:2380/", "/pigsty")]
    [InlineData("        pg_dcs: { type: etcd3, endpoints: [ https://etcd.example:2379 ], namespace: service }", "https://etcd.example:2379/", "/service")]
    public void Load_PgDcsDefaults_SchemePortAndPigstyNamespace(string vars, string firstEndpoint, string space)
    {
        var dcs = Dcs(vars);
        Assert.Equal(firstEndpoint, dcs!.Endpoints[0].ToString());
        Assert.Equal(space, dcs.Namespace);
    }

    [Theory]
    [InlineData("        pg_dcs: { type: consul, endpoints: [ 10.10.10.10 ] }", "not supported")]
    [InlineData("        pg_dcs: { type: etcd }", "names no endpoints")]
    [InlineData("        pg_dcs: { endpoints: [ 'ftp://x' ] }", "is not an http(s) URL")]
    [InlineData("        pg_dcs: etcd", "must be a mapping")]
    public void Load_BadPgDcs_Error(string vars, string message)
    {
        var result = TestInventories.Load(Inventory(vars));
        Assert.True(result.HasErrors);
        Assert.Contains(result.Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_BadEndpointWithCredentials_ErrorShowsNoPassword()
    {
        var result = TestInventories.Load(Inventory("        pg_dcs: { endpoints: [ 'ftp://root:s3cret-pw@10.10.10.10:2379' ] }"));

        var error = Assert.Single(result.Errors, e => e.Message.Contains("pg_dcs endpoint", StringComparison.Ordinal));
        Assert.Contains("ftp://root:***@10.10.10.10:2379", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://10.10.10.10:2379", "http://10.10.10.10:2379")]
    [InlineData("http://root:pw@10.10.10.10:2379", "http://root:***@10.10.10.10:2379")]
    [InlineData("https://root:p%40ss@etcd.example:2379/", "https://root:***@etcd.example:2379/")]
    [InlineData("http://root@10.10.10.10:2379", "http://root@10.10.10.10:2379")]
    [InlineData("etcd http://a:b@h1:2379, http://c:d@h2:2379 unreachable", "etcd http://a:***@h1:2379, http://c:***@h2:2379 unreachable")]
    public void Redact_PasswordMaskedUserAndHostKept(string text, string expected) => Assert.Equal(expected, UrlRedaction.Redact(text));
}
