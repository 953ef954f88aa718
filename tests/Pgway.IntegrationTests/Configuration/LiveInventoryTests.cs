using System.Net;
using Pgway.Configuration;
using Pgway.IntegrationTests.Testing;
using Pgway.Model;

namespace Pgway.IntegrationTests.Configuration;

/// <summary>The model pgway builds from the test cluster's inventory matches the real instances.</summary>
[Collection(SharedPgTestCluster.Name)]
public class LiveInventoryTests(PgTestClusterFixture fixture)
{
    [Fact]
    public async Task Load_FixtureInventory_ServicesPreferTheRightRealInstances()
    {
        var cluster = fixture.Cluster;
        var result = InventoryLoader.LoadText(cluster.ToInventoryYaml(), "fixture.yml");
        Assert.False(result.HasErrors, string.Join('\n', result.Errors));
        var model = Assert.Single(result.Topology!.Clusters);
        Assert.Equal(cluster.Instances.Select(i => i.Address.ToString()), model.Instances.Select(i => i.Address));

        // Ask each real instance whether it is in recovery and where it listens.
        var inRecovery = new Dictionary<string, bool>();
        foreach (var instance in cluster.Instances)
        {
            inRecovery[instance.Address.ToString()] = (await cluster.ExecuteScalarAsync<bool>(instance, "SELECT pg_is_in_recovery()"))!;
            var serverAddress = await cluster.ExecuteScalarAsync<IPAddress>(instance, "SELECT inet_server_addr()");
            Assert.Equal(instance.Address, serverAddress);
        }

        Service Named(string name) => model.Services.Single(s => s.Name == name);
        // The replica service's active members are all real standbys; its backups include the real primary.
        Assert.All(Named("replica").ActiveMembers, m => Assert.True(inRecovery[m.Instance.Address], $"{m.Name} is not in recovery"));
        Assert.Contains(Named("replica").BackupMembers, m => !inRecovery[m.Instance.Address]);
        // The offline service prefers the offline standby and falls back to a standby, never the primary.
        Assert.All(Named("offline").Members, m => Assert.True(inRecovery[m.Instance.Address]));
        Assert.Equal(InstanceRole.Offline, Assert.Single(Named("offline").ActiveMembers).Instance.Role);
        // Exactly one real primary, the one the inventory calls primary.
        Assert.Equal(model.Primary!.Address, Assert.Single(inRecovery, p => !p.Value).Key);
    }
}
