using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Pgway.Pooling;

namespace Pgway.Tests.Pooling;

/// <summary>A key no session here holds is forwarded only when it names another known node; otherwise dropped.</summary>
public sealed class CancelKeyRegistryTests
{
    // Node 1 of three; node 2 has no IP (a host name in the inventory).
    private static readonly CancelNodes Nodes = new(1, [1], [IPAddress.Loopback, IPAddress.Loopback, null]);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(CancelKey.MaxNodes - 1)]
    public async Task RouteAsync_KeyOfThisOrUnknownNode_DroppedWithoutForwarding(int node)
    {
        var registry = new CancelKeyRegistry(Nodes, TimeProvider.System);

        var outcome = await registry.RouteAsync(CancelKey.New(node), 1, CancellationToken.None);

        Assert.Equal(CancelOutcome.Dropped, outcome);
        Assert.Equal(1, registry.Count(CancelOutcome.Dropped));
        Assert.Equal(0, registry.Count(CancelOutcome.Forwarded) + registry.Count(CancelOutcome.ForwardFailed));
    }

    [Fact]
    public async Task RouteAsync_RequestAnotherNodeForwarded_NeverForwardedAgain()
    {
        // Node 0 is another node here: a node numbering the inventory differently sent it back.
        var registry = new CancelKeyRegistry(Nodes, TimeProvider.System);

        var outcome = await registry.RouteAsync(CancelKey.New(0).Forwarded, 1, CancellationToken.None);

        Assert.Equal(CancelOutcome.Dropped, outcome);
        Assert.Equal(0, registry.Count(CancelOutcome.Forwarded) + registry.Count(CancelOutcome.ForwardFailed));
    }

    [Fact]
    public async Task RouteAsync_StandaloneRegistry_DropsEveryUnknownKey()
    {
        var registry = CancelKeyRegistry.Standalone(TimeProvider.System);

        Assert.Equal(CancelOutcome.Dropped, await registry.RouteAsync(CancelKey.New(0), 1, CancellationToken.None));
        Assert.Equal(CancelOutcome.Dropped, await registry.RouteAsync(CancelKey.New(5), 1, CancellationToken.None));
    }

    [Fact]
    public async Task RouteAsync_KeyOfAnotherNode_SentOnceToThatNodeOnTheSamePort()
    {
        using var peer = new TcpListener(IPAddress.Loopback, 0);
        peer.Start();
        var port = ((IPEndPoint)peer.LocalEndpoint).Port;
        var registry = new CancelKeyRegistry(Nodes, TimeProvider.System);
        var key = CancelKey.New(0);

        var routing = registry.RouteAsync(key, port, CancellationToken.None).AsTask();
        using (var forwarded = await peer.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(30)))
        {
            var request = new byte[16];
            var read = 0;
            while (read < request.Length)
            {
                read += await forwarded.ReceiveAsync(request.AsMemory(read), SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            }
            Assert.Equal([16, 80877102, key.ProcessId | (1 << 20), key.Secret],
                [.. Enumerable.Range(0, 4).Select(i => BinaryPrimitives.ReadInt32BigEndian(request.AsSpan(i * 4)))]);
        }

        Assert.Equal(CancelOutcome.Forwarded, await routing.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, registry.Count(CancelOutcome.Forwarded));
        Assert.False(peer.Pending());
    }

    [Fact]
    public async Task RouteAsync_PeerNotListening_ForwardFailed()
    {
        int port;
        using (var closed = new TcpListener(IPAddress.Loopback, 0))
        {
            closed.Start();
            port = ((IPEndPoint)closed.LocalEndpoint).Port;
        }
        var registry = new CancelKeyRegistry(Nodes, TimeProvider.System);

        var outcome = await registry.RouteAsync(CancelKey.New(0), port, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(CancelOutcome.ForwardFailed, outcome);
    }
}
