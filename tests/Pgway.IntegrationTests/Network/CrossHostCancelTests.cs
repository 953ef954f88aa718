using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Pgway.Differential.Wire;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;
using Pgway.Testing.Network;

namespace Pgway.IntegrationTests.Network;

/// <summary>
/// A CancelRequest that arrives at another node's pgway than the one holding the session (a VIP move or DNS
/// round-robin sends it there) still cancels the query. For L4 services pgway forwards a cancel to the
/// service's members, so the member that runs the session's backend gets it whichever node received it; for
/// <c>dest: pool</c> the key names the pgway that issued it, and another pgway forwards the cancel to it.
/// </summary>
[Collection(NetworkLab.Name)]
public sealed class CrossHostCancelTests(NetworkLabFixture lab)
{
    private const int CancelRequestCode = 80877102;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [NetworkFact]
    public async Task L4Sessions_CancelSentToAnotherHostsPgway_QueryCancelled()
    {
        // 5436 splices to the primary's postgres; 5433 splices to the primary's node pooler, whose key it is.
        foreach (var (sessionSeq, cancelSeq, port) in new[] { (2, 3, MultiHostCluster.DefaultServicePort), (3, 1, MultiHostCluster.DefaultServicePort), (2, 3, MultiHostCluster.PrimaryServicePort) })
        {
            await CancelAcrossHostsAsync(sessionSeq, cancelSeq, port);
        }
    }

    [NetworkFact]
    public async Task PoolService_CancelSentToAnotherHostsSamePort_QueryCancelled()
    {
        // dest: pool: the session's pgway pooled it and issued the key; another host's pgway forwards the cancel there.
        foreach (var (sessionSeq, cancelSeq) in new[] { (1, 2), (3, 1) })
        {
            await CancelAcrossHostsAsync(sessionSeq, cancelSeq, MultiHostCluster.PoolServicePort);
        }
    }

    private async Task CancelAcrossHostsAsync(int sessionSeq, int cancelSeq, int port)
    {
        var cluster = lab.Cluster;
        var sessionHost = cluster.Network.Host(sessionSeq);
        var cancelHost = cluster.Network.Host(cancelSeq);
        var marker = $"cancel across hosts {sessionSeq}->{cancelSeq} port {port} {Guid.NewGuid():N}";
        var (session, greeting) = await NetnsSocket.RunIn(cluster.Network.Client, () => WireClient.ConnectAsync(
            new IPEndPoint(sessionHost.Address, port),
            [new("user", PgTestUsers.Meta), new("database", PgTestUsers.TestDatabase)],
            cluster.Credentials.PasswordFor(PgTestUsers.Meta),
            Bound,
            CancellationToken.None));
        await using (session)
        {
            var key = Assert.Single(greeting.Messages, message => message.Type == 'K');
            await session.WriteAsync(Frontend.Query($"SELECT pg_sleep(60) /* {marker} */").Encode(), CancellationToken.None);
            await Eventually.HoldsAsync(
                async () => await PgConnections.ScalarAsync<long>(
                    MultiHostCluster.SocketConnectionString(cluster.Primary),
                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND strpos(query, $1) > 0 AND pid <> pg_backend_pid()",
                    [marker],
                    CancellationToken.None) == 1,
                Bound);

            await SendCancelAsync(cancelHost, port, key.Body);

            var answer = await session.ReadAsync(message => message.IsReady, Bound, CancellationToken.None);
            Assert.True(answer.Outcome == ReadOutcome.Complete, $"session on {sessionHost}:{port}, cancel via {cancelHost}: {answer.Outcome} after [{string.Join(", ", answer.Messages)}]");
            var error = Assert.Single(answer.Messages, message => message.Type == 'E');
            Assert.Equal("57014", error.Field('C'));
        }
    }

    /// <summary>A CancelRequest from the client namespace; returns once the receiving end closed the connection, as the protocol says it does.</summary>
    private async Task SendCancelAsync(NetworkHost to, int port, byte[] backendKeyData)
    {
        using var deadline = new CancellationTokenSource(Bound);
        using var socket = await NetnsSocket.ConnectAsync(lab.Cluster.Network.Client, new IPEndPoint(to.Address, port), deadline.Token);
        var request = new byte[8 + backendKeyData.Length];
        BinaryPrimitives.WriteInt32BigEndian(request, request.Length);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), CancelRequestCode);
        backendKeyData.CopyTo(request, 8);
        await socket.SendAsync(request, SocketFlags.None, deadline.Token);
        await socket.ReceiveAsync(new byte[1], SocketFlags.None, deadline.Token);
    }
}
