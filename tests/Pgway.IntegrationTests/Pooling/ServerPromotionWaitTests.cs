using System.Net.Sockets;
using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>A server of a primary service logged in to a standby is held until the standby is promoted.</summary>
public sealed class ServerPromotionWaitTests() : FreshPgTestClusterPerTest(PgTestClusterOptions.PrimaryAndReplica)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task IsStandby_PrimaryAndReplica_OnlyTheReplica()
    {
        using var timeout = new CancellationTokenSource(Bound);
        var (primaryClient, primary) = await LoginAsync(Cluster.Primary, timeout.Token);
        var (replicaClient, replica) = await LoginAsync(Cluster.Instance(2), timeout.Token);
        using (primaryClient)
        using (replicaClient)
        {
            Assert.False(ServerPromotionWait.IsStandby(primary));
            Assert.True(ServerPromotionWait.IsStandby(replica));
        }
    }

    [Fact]
    public async Task WaitAsync_StandbyPromoted_ReturnsWithHotStandbyOff()
    {
        using var timeout = new CancellationTokenSource(Bound);
        var standby = Cluster.Instance(2);
        var (client, login) = await LoginAsync(standby, timeout.Token);
        using (client)
        {
            await using var stream = client.GetStream();
            var wait = ServerPromotionWait.WaitAsync(stream, login, TimeProvider.System, afterDelay: null, timeout.Token);
            await Task.Delay(300, timeout.Token);
            Assert.False(wait.IsCompleted);

            await Cluster.PromoteAsync(standby, timeout.Token);
            var promoted = await wait.WaitAsync(Bound);

            Assert.False(ServerPromotionWait.IsStandby(promoted));
            Assert.Equal("off", promoted.Parameters["in_hot_standby"]);
            Assert.Equal(login.ProcessId, promoted.ProcessId);
            // The same session takes a write now.
            var again = await ServerPromotionWait.WaitAsync(stream, promoted, TimeProvider.System, afterDelay: null, timeout.Token);
            Assert.Equal("off", again.Parameters["in_hot_standby"]);
        }
    }

    [Fact]
    public async Task WaitAsync_Cancelled_ThrowsWhileStillInRecovery()
    {
        using var timeout = new CancellationTokenSource(Bound);
        var (client, login) = await LoginAsync(Cluster.Instance(2), timeout.Token);
        using (client)
        {
            await using var stream = client.GetStream();
            using var shortWait = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => ServerPromotionWait.WaitAsync(stream, login, TimeProvider.System, afterDelay: null, shortWait.Token));
        }
    }

    private async Task<(TcpClient Client, ServerLoginResult Login)> LoginAsync(PgInstance instance, CancellationToken cancellationToken)
    {
        var client = new TcpClient();
        try
        {
            await client.ConnectAsync(instance.Address, PgTestCluster.Port, cancellationToken);
            var credentials = new ServerCredentials(PgTestUsers.Postgres, Cluster.Credentials.PasswordFor(PgTestUsers.Postgres));
            var login = await ServerLogin.LoginAsync(client.GetStream(), credentials, [new("database", "postgres")], cancellationToken);
            return (client, login);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}
