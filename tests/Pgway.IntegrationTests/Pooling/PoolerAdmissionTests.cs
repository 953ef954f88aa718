using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Pgway.Configuration;
using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Routing;
using Pgway.Testing;
using Pgway.Transport;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>Clients decided at accept: max_client_conn and the start-up timeout against sockets that say nothing.</summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class PoolerAdmissionTests(PgTestClusterFixture fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private PgTestCluster Cluster => fixture.Cluster;

    private Pooler Start(AdmissionLimits limits, params KeyValuePair<string, string>[] variables)
    {
        var inventory = InventoryLoader.LoadText(Cluster.ToInventoryYaml(variables), "pooler.yml");
        Assert.False(inventory.HasErrors, string.Join('\n', inventory.Errors));
        var options = new PoolerOptions(new IPEndPoint(Cluster.Primary.Address, 0), new IPEndPoint(Cluster.Primary.Address, PgTestCluster.Port),
            inventory.Topology!.Clusters.Single().Pooler, new Dictionary<string, string> { [PgTestUsers.Meta] = Cluster.Credentials.PasswordFor(PgTestUsers.Meta) }, null)
        {
            Admission = ClientAdmission.Unbounded(limits),
        };
        return Pooler.Start(options, TimeProvider.System, NullLogger.Instance);
    }

    private static async Task<Socket> SilentAsync(Pooler pooler)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(pooler.LocalEndPoint);
        return socket;
    }

    // Everything the pooler sends until it closes, within the bound.
    private static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        using var deadline = new CancellationTokenSource(Bound);
        var received = new List<byte>();
        var buffer = new byte[1024];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            }
            catch (SocketException)
            {
                // A reset after the error: what came before it counts.
                return [.. received];
            }
            if (read == 0)
            {
                return [.. received];
            }
            received.AddRange(buffer.AsSpan(0, read));
        }
    }

    [Fact]
    public async Task MaxClientConn_TakenBySilentSocket_NextRefusedAtAcceptWithoutSendingAnything()
    {
        await using var pooler = Start(AdmissionLimits.Default, new KeyValuePair<string, string>("pgbouncer_max_client_conn", "1"));
        using var first = await SilentAsync(pooler);
        await Eventually.HoldsAsync(() => pooler.Clients == 1, Bound);

        // The second sends nothing at all: it is told, and closed, at once (not after client_login_timeout).
        using var second = await SilentAsync(pooler);
        var answer = await ReadToEndAsync(second);

        Assert.Equal((byte)'E', answer[0]);
        var text = Encoding.UTF8.GetString(answer);
        Assert.Contains("C53300", text, StringComparison.Ordinal);
        Assert.Contains("no more connections allowed (max_client_conn 1)", text, StringComparison.Ordinal);
        Assert.Equal(1, pooler.Disconnects()[DisconnectReason.MaxClientConnections]);
        Assert.Equal(1, pooler.Clients);
    }

    [Fact]
    public async Task SilentClient_ClosedAfterTheStartupTimeoutAndItsSlotsGiven()
    {
        var limits = new AdmissionLimits(100, 1, TimeSpan.FromSeconds(1));
        await using var pooler = Start(limits);
        using var silent = await SilentAsync(pooler);
        await Eventually.HoldsAsync(() => pooler.Clients == 1, Bound);

        // While it holds the only start-up slot, a newcomer is refused at once.
        using var refused = await SilentAsync(pooler);
        Assert.Contains("have not sent their start-up packet", Encoding.UTF8.GetString(await ReadToEndAsync(refused)), StringComparison.Ordinal);

        await ReadToEndAsync(silent);
        await Eventually.HoldsAsync(() => pooler.Clients == 0, Bound);
        Assert.Equal(1, pooler.Disconnects()[DisconnectReason.StartupTimeout]);
        Assert.Equal(1, pooler.Disconnects()[DisconnectReason.TooManyConnections]);
        await using var client = PoolerHarness.ConnectOnce(pooler, Cluster, PgTestUsers.Meta);
        await client.OpenAsync();
    }
}
