using Pgway.Configuration;
using Pgway.Rendering;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Rendering;

/// <summary>The haproxy.cfg pgway renders must be accepted by the real HAProxy (Debian's package).</summary>
public class HaproxyAcceptanceTests
{
    public static TheoryData<string, string> Examples => new()
    {
        { "pg-test.yml", "pg-test" },
        { "pigsty-v1.yml", "pg-v1" },
        { "custom-services.yml", "pg-test" },
        { "custom-services.yml", "pg-test-delay" },
        { "single-node.yml", "pg-meta" },
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Render_Example_HaproxyAcceptsIt(string example, string cluster)
    {
        var topology = InventoryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "examples", example)).Topology!;
        var config = HaproxyConfigRenderer.Render([topology.FindCluster(cluster)!], topology.SourceFile, cluster);
        var file = Path.Combine(Path.GetTempPath(), $"pgway-haproxy-{Guid.NewGuid():N}.cfg");
        await File.WriteAllTextAsync(file, config);
        try
        {
            var (exitCode, output) = await RunAsync(Haproxy(), "-c", "-f", file);

            Assert.True(exitCode == 0, $"haproxy -c rejected the rendered config:\n{output}\n---\n{config}");
            Assert.Contains("Configuration file is valid", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    // Pigsty's plan writes fastinter 0.5s and 1.5s, which this HAProxy refuses; pgway renders whole milliseconds.
    // With patroni_ssl_enabled, HAProxy must find and load the CA file, so the test writes a real one.
    [Theory]
    [InlineData("fast")]
    [InlineData("safe")]
    [InlineData("wide")]
    public async Task Render_RtoPlanAndPatroniSsl_HaproxyAcceptsIt(string rto)
    {
        var directory = Directory.CreateTempSubdirectory("pgway-haproxy-").FullName;
        try
        {
            var caFile = Path.Combine(directory, "ca.crt");
            using (var key = System.Security.Cryptography.ECDsa.Create())
            {
                var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=pigsty-ca", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
                request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
                using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
                await File.WriteAllTextAsync(caFile, ca.ExportCertificatePem());
            }
            var result = InventoryLoader.LoadText($$"""
                all:
                  children:
                    pg-test:
                      hosts:
                        10.10.10.11: { pg_seq: 1, pg_role: primary }
                        10.10.10.12: { pg_seq: 2, pg_role: replica }
                      vars: { pg_cluster: pg-test, pg_rto: {{rto}}, patroni_ssl_enabled: true, pgway_patroni_ca_file: '{{caFile}}' }
                  vars: { version: v4.5.0 }
                """, "rto.yml");
            Assert.False(result.HasErrors, string.Join('\n', result.Errors));
            var config = HaproxyConfigRenderer.Render(result.Topology!.Clusters, "rto.yml", "pg-test");
            var file = Path.Combine(directory, "haproxy.cfg");
            await File.WriteAllTextAsync(file, config);

            var (exitCode, output) = await RunAsync(Haproxy(), "-c", "-f", file);

            Assert.True(exitCode == 0, $"haproxy -c rejected the rendered config:\n{output}\n---\n{config}");
            Assert.Contains("check-ssl ca-file", config, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Render_BrokenConfig_HaproxyRejectsIt()
    {
        // Proves the check above can fail: the same tool, a config with an unknown keyword.
        var file = Path.Combine(Path.GetTempPath(), $"pgway-haproxy-{Guid.NewGuid():N}.cfg");
        await File.WriteAllTextAsync(file, "defaults\n    mode tcp\nlisten x\n    bind *:5433\n    server a 127.0.0.1:5432 chekc port 8008\n");
        try
        {
            var (exitCode, _) = await RunAsync(Haproxy(), "-c", "-f", file);

            Assert.NotEqual(0, exitCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string Haproxy() =>
        new[] { "/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("haproxy is not installed: apt-get install -y haproxy (.ci/run does this)");

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] args)
    {
        var result = await PgCommandRunner.RunAsync(program, args, Path.GetTempPath(), null, TimeSpan.FromSeconds(30), CancellationToken.None);
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }
}
