using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Routing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// Two nodes' pgway (two hosts in this process, each serving its own node of the same 2-node inventory, as
/// <c>pgway serve --node</c> does): a CancelRequest sent to the node that did not issue the key still cancels
/// the query, through one forward to the node that did; a key no node holds, or naming no node, goes nowhere else.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class CancelRoutingTests(PgTestClusterFixture fixture)
{
    private const int ServicePort = 15493;
    private const int PoolerPort = 16493;
    private const int BouncerServicePort = 17493;
    private const string Sleep = "SELECT pg_sleep(60)";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private PgTestCluster Cluster => fixture.Cluster;

    private IPAddress NodeA => Cluster.Primary.Address;

    private IPAddress NodeB => Cluster.Instances.First(i => !i.Address.Equals(Cluster.Primary.Address)).Address;

    // The same inventory on both nodes but for the service's bind: two nodes on one machine cannot both take '*'.
    private string Inventory(IPAddress bind) => Cluster.ToInventoryYaml([
        new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
        new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Meta)}', pgbouncer: true}}]"),
        new("pgbouncer_port", PoolerPort.ToString(CultureInfo.InvariantCulture)),
        new("pgbouncer_auth_type", "trust"),
        new("pg_default_services", $"[{{name: pooled, port: {ServicePort}, ip: '{bind}', dest: pool, selector: '[]', check: /primary, " +
            "check_method: postgres, options: 'inter 1s fastinter 500ms rise 1 fall 3'}, " +
            $"{{name: bouncer, port: {BouncerServicePort}, ip: '{bind}', dest: pgbouncer, selector: '[]', check: /primary, " +
            "check_method: postgres, options: 'inter 1s fastinter 500ms rise 1 fall 3'}]"),
    ]);

    private async Task<GatewayHost> StartNodeAsync(IPAddress node)
    {
        var loaded = InventoryLoader.LoadText(Inventory(node), "cancel-routing.yml");
        Assert.False(loaded.HasErrors, string.Join('\n', loaded.Errors));
        var options = new GatewayOptions([node.ToString()], RunAgents: false, HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty) { RunAdmin = false };
        var host = await GatewayHost.StartAsync(loaded.Topology!, options, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);
        try
        {
            await Eventually.HoldsAsync(() => host.Snapshot().All(s => s.Members.Any(m => m.IsUp)), Bound,
                () => string.Join("; ", host.Snapshot().SelectMany(s => s.Members.Select(m => $"{s.Service}/{m.Name} {m.Status}"))));
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    // As every node numbers it: its place among the inventory's node addresses.
    private int NodeNumberOfA => CancelNodes.For(InventoryLoader.LoadText(Inventory(NodeA), "cancel-routing.yml").Topology!, [NodeA.ToString()]).Local;

    private static long Cancels(GatewayHost host, string outcome)
    {
        var prefix = $"pgway_cancel_requests_total{{outcome=\"{outcome}\"}} ";
        var line = host.Metrics().Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return long.Parse(line[prefix.Length..], CultureInfo.InvariantCulture);
    }

    [Theory]
    [InlineData(ServicePort)]
    [InlineData(PoolerPort)]
    public async Task Cancel_SentToTheOtherNodesSamePort_QueryCancelled(int port)
    {
        await using var a = await StartNodeAsync(NodeA);
        await using var b = await StartNodeAsync(NodeB);

        await RunAndCancelAsync(new IPEndPoint(NodeA, port), new IPEndPoint(NodeB, port));

        // B counts its forward once A has closed the forwarding connection, which may be after the
        // client already has its 57014: waited for, not read at once.
        await Eventually.HoldsAsync(() => Cancels(b, "forwarded") == 1 && Cancels(a, "local") == 1, Bound,
            () => $"forwarded by B: {Cancels(b, "forwarded")}, local at A: {Cancels(a, "local")}");
        Assert.Equal(0, Cancels(a, "forwarded"));
    }

    [Fact]
    public async Task Cancel_SentToAnotherPortOfTheSameNode_QueryCancelledThere()
    {
        await using var a = await StartNodeAsync(NodeA);

        await RunAndCancelAsync(new IPEndPoint(NodeA, ServicePort), new IPEndPoint(NodeA, PoolerPort));

        Assert.Equal(1, Cancels(a, "local"));
        Assert.Equal(0, Cancels(a, "forwarded") + Cancels(a, "dropped"));
    }

    [Fact]
    public async Task Cancel_SentToAPgbouncerServiceOfTheOtherNode_ReachesTheIssuerOnce()
    {
        // The service sends the cancel to every member's pooler. Each copy is marked forwarded, so B's
        // pooler, which did not issue the key, drops its copy rather than send A a second one (that
        // could cancel the client's next statement).
        await using var a = await StartNodeAsync(NodeA);
        await using var b = await StartNodeAsync(NodeB);

        await RunAndCancelAsync(new IPEndPoint(NodeA, PoolerPort), new IPEndPoint(NodeB, BouncerServicePort));

        await Eventually.HoldsAsync(() => Cancels(a, "local") >= 1 && Cancels(b, "dropped") + Cancels(b, "forwarded") >= 1, Bound,
            () => $"local at A: {Cancels(a, "local")}, dropped at B: {Cancels(b, "dropped")}, forwarded by B: {Cancels(b, "forwarded")}");
        Assert.Equal(0, Cancels(b, "forwarded"));
        Assert.Equal(1, Cancels(b, "dropped"));
        Assert.Equal(1, Cancels(a, "local"));
    }

    // A client on one port runs pg_sleep(60); its cancel, sent to another, ends it with 57014 within the bound.
    private async Task RunAndCancelAsync(IPEndPoint session, IPEndPoint cancel)
    {
        using var client = await WireClient.LogInAsync(session, PgTestUsers.Meta, PgTestUsers.TestDatabase, Bound);
        Assert.Equal(NodeNumberOfA, CancelKey.NodeOf(client.ProcessId));
        await client.SendAsync(WireClient.Query(Sleep));
        await Eventually.HoldsAsync(async () => await Cluster.ExecuteScalarAsync<bool>(Cluster.Primary,
            $"SELECT EXISTS (SELECT FROM pg_stat_activity WHERE query = '{Sleep}' AND state = 'active')"), Bound);

        await client.CancelAsync(cancel);

        var answer = await client.ReadUntilReadyAsync().WaitAsync(Bound);
        Assert.Equal(["57014"], answer.Errors);
    }

    [Fact]
    public async Task Cancel_KeyNoNodeHolds_ForwardedOnceThenDropped_NoLoop()
    {
        await using var a = await StartNodeAsync(NodeA);
        await using var b = await StartNodeAsync(NodeB);
        var unknownToA = CancelKey.New(NodeNumberOfA);

        await SendCancelAsync(new IPEndPoint(NodeB, ServicePort), unknownToA);
        await SendCancelAsync(new IPEndPoint(NodeB, PoolerPort), CancelKey.New(CancelKey.MaxNodes - 1));

        // B forwarded the first once, A dropped it without sending it back; the second names no node: dropped at B.
        Assert.Equal(1, Cancels(b, "forwarded"));
        Assert.Equal(1, Cancels(b, "dropped"));
        Assert.Equal(1, Cancels(a, "dropped"));
        Assert.Equal(0, Cancels(a, "forwarded") + Cancels(a, "forward_failed") + Cancels(b, "forward_failed"));
        Assert.Equal(0, Cancels(a, "local") + Cancels(b, "local"));
    }

    // As a client sends it: the request, then a wait for pgway to close the connection (it has acted on the key by then).
    private static async Task SendCancelAsync(IPEndPoint endPoint, CancelKey key)
    {
        using var socket = new System.Net.Sockets.Socket(endPoint.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(Bound);
        await socket.ConnectAsync(endPoint, timeout.Token);
        var request = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(request, 16);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), 80877102);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(8), key.ProcessId);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(12), key.Secret);
        await socket.SendAsync(request, System.Net.Sockets.SocketFlags.None, timeout.Token);
        Assert.Equal(0, await socket.ReceiveAsync(new byte[1], System.Net.Sockets.SocketFlags.None, timeout.Token));
    }
}
