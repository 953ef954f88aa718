using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>A one-instance cluster of its own with TLS on, and the certificates it uses (its address as SAN), for the tests of the pooler's server side TLS.</summary>
public sealed class TlsPgTestClusterFixture : IAsyncLifetime
{
    private PgTestCluster? cluster;
    private TestCertificates? certificates;

    internal PgTestCluster Cluster => cluster ?? throw new InvalidOperationException("The TLS cluster is not started yet.");

    internal TestCertificates Certificates => certificates ?? throw new InvalidOperationException("The TLS cluster is not started yet.");

    public async Task InitializeAsync()
    {
        cluster = await PgTestCluster.CreateAsync(new PgTestClusterOptions { ClusterName = "pg-tls", Roles = [PgInstanceRole.Primary] });
        certificates = TestCertificates.Create(cluster.Primary.Address, PoolerHarness.User);
        var (certificate, key) = certificates.ServerPem;
        await cluster.EnableTlsAsync(certificate, key);
    }

    public async Task DisposeAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }
        certificates?.Dispose();
    }
}
