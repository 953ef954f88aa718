using Pgway.Testing.Network;

namespace Pgway.IntegrationTests.Network;

/// <summary>
/// Makes the lab's pgway nodes the client namespace's resolver while it lives: <c>ip netns exec</c> bind-mounts
/// <c>/etc/netns/&lt;namespace&gt;/resolv.conf</c> over <c>/etc/resolv.conf</c> for what it runs. Removed on dispose.
/// </summary>
internal sealed class ClientResolver : IAsyncDisposable
{
    private readonly string directory;

    private ClientResolver(string directory) => this.directory = directory;

    public static async Task<ClientResolver> UseAsync(MultiHostCluster cluster)
    {
        var directory = Path.Combine("/etc/netns", cluster.Network.Client.Namespace);
        Directory.CreateDirectory(directory);
        // Every node answers alike: any may be asked, and one down leaves the others.
        var servers = string.Concat(cluster.Members.Select(m => $"nameserver {m.Host.Address}\n"));
        await File.WriteAllTextAsync(Path.Combine(directory, "resolv.conf"), servers + "options timeout:1 attempts:2\n");
        return new ClientResolver(directory);
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}
