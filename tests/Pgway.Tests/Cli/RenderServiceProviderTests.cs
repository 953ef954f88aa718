namespace Pgway.Tests.Cli;

/// <summary><c>render haproxy --node</c> with Pigsty's <c>pg_service_provider</c>: the proxy node gets the services, the database node does not.</summary>
public sealed class RenderServiceProviderTests : IDisposable
{
    private readonly string file = Path.Combine(Path.GetTempPath(), $"pgway-provider-{Guid.NewGuid():N}.yml");

    public RenderServiceProviderTests() => File.WriteAllText(file, """
        all:
          children:
            proxy:
              hosts:
                10.10.10.29: { nodename: proxy-1 }
              vars: { node_cluster: proxy }
            pg-v12:
              hosts: { 10.10.10.12: { pg_seq: 1, pg_role: primary, nodename: pg-v12-1 } }
              vars:
                pg_cluster: pg-v12
                pg_service_provider: proxy
                pg_default_services: [ { name: primary, port: 10012, dest: postgres, check: /primary, selector: "[]" } ]
          vars: { version: v2.7.0, patroni_ssl_enabled: true }
        """);

    public void Dispose() => File.Delete(file);

    [Fact]
    public async Task RenderHaproxy_ProxyNode_TheProvidedServicesAsPigstyRendersThem()
    {
        var (code, output, error) = await CliRunner.RunAsync("render", "haproxy", "-c", file, "--node", "10.10.10.29");

        Assert.True(code == 0, error);
        Assert.Contains("    stats uri /haproxy/proxy-1/\n", output, StringComparison.Ordinal);
        var section = output[output.IndexOf("listen pg-v12-primary\n", StringComparison.Ordinal)..];
        Assert.StartsWith("""
            listen pg-v12-primary
                bind *:10012
                mode tcp
                maxconn 5000
                balance roundrobin
                option httpchk
                option http-keep-alive
                http-check send meth OPTIONS uri /primary
                http-check expect status 200
                default-server inter 3s fastinter 1s downinter 5s rise 3 fall 3 on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100
                server pg-v12-1 10.10.10.12:5432 check-ssl ca-file /pg/cert/ca.crt check port 8008 weight 100
            """.ReplaceLineEndings("\n"), section, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderHaproxy_DatabaseNodeOfProvidedCluster_NoServices()
    {
        var (code, output, error) = await CliRunner.RunAsync("render", "haproxy", "-c", file, "--node", "10.10.10.12");

        Assert.True(code == 0, error);
        Assert.Contains("    stats uri /haproxy/pg-v12-1/\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("listen pg-v12-primary", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderHaproxy_NodeOfNoClusterNorProvider_Error()
    {
        var (code, _, error) = await CliRunner.RunAsync("render", "haproxy", "-c", file, "--node", "10.10.10.99");

        Assert.Equal(1, code);
        Assert.Contains("pg_service_provider", error, StringComparison.Ordinal);
    }
}
