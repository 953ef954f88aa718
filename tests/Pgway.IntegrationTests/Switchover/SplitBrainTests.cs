using System.Net;
using System.Text.Json;
using Npgsql;
using Pgway.Cli;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Switchover;

/// <summary>
/// Two nodes, each with its own <c>pgway serve</c> (its agent, node pooler and services), no Patroni, as in
/// production. A switchover run through one node fences the old primary where every pgway and agent sees
/// it — in the instance itself — so the other node stops routing writes there at once, no client can
/// write there through a pooled port, a restart forgets nothing, and unfencing is refused while the new
/// primary is up.
/// </summary>
public sealed class SplitBrainTests(ITestOutputHelper output) : FreshPgTestClusterPerTest(PgTestClusterOptions.PrimaryAndReplica)
{
    private const int PrimaryPort = 5433;
    private const int PoolerPort = 6432;
    private const int AgentPort = 8008;
    private const int AdminPort = 9101;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly List<string> files = [];
    // Where each serve writes its admin token (no admin credentials in the inventory) and the CLI reads it.
    private readonly string runtimeDirectory = Path.Combine(Path.GetTempPath(), $"pgway-split-token-{Guid.NewGuid():N}");
    private readonly List<ServeProcess> serves = [];

    [Fact]
    public async Task SwitchoverThroughOneNode_OtherNodeAndRestartsNeverWriteToTheOldPrimary()
    {
        try
        {
            await SwitchoverThroughOneNodeAsync();
        }
        finally
        {
            foreach (var serve in serves)
            {
                await serve.DisposeAsync();
            }
            foreach (var file in files)
            {
                File.Delete(file);
            }
            if (Directory.Exists(runtimeDirectory))
            {
                Directory.Delete(runtimeDirectory, recursive: true);
            }
        }
    }

    private async Task SwitchoverThroughOneNodeAsync()
    {
        // Node A hosts the replica (to be promoted); node B the primary (to be fenced).
        var (oldPrimary, newPrimary) = (Cluster.Primary, Cluster.Instance(2));
        var (b, a) = (oldPrimary.Address, newPrimary.Address);
        await Cluster.WaitForCatchUpAsync(newPrimary);
        var nodeA = Serve(a);
        var nodeB = Serve(b);
        await Eventually.HoldsAsync(async () => await UpAsPrimaryAsync(a) == oldPrimary.Name && await UpAsPrimaryAsync(b) == oldPrimary.Name, Bound, () => Logs(nodeA, nodeB));
        await Eventually.HoldsAsync(async () => await WriteAsync(b, PrimaryPort) == oldPrimary.Address.ToString(), Bound, () => Logs(nodeA, nodeB));

        var switched = await RunCliAsync("switchover", "--cluster", Cluster.Name, "--to", newPrimary.Name, "--url", $"http://{a}:{AdminPort}");
        Assert.True(switched.Code == 0, $"{switched.Output}\n{switched.Error}\n{Logs(nodeA, nodeB)}");

        // The old primary's own agent (node B's pgway) says it is no primary, and B routes writes to the new one only.
        // Its agent too may answer from a status read just before the old primary stopped (the same 200 ms
        // cache; asserted at once, this failed once in CI), so it is asked until it says so.
        await Eventually.HoldsAsync(async () => await AgentAsync(b, "/primary") == HttpStatusCode.ServiceUnavailable
            && await AgentAsync(b, "/read-only") == HttpStatusCode.ServiceUnavailable, Bound, () => Logs(nodeA, nodeB));
        // The new primary's agent may answer from a status read just before the promotion (its cache
        // keeps one for up to 200 ms), so it is asked until it says primary.
        await Eventually.HoldsAsync(async () => await AgentAsync(a, "/primary") == HttpStatusCode.OK, Bound, () => Logs(nodeA, nodeB));
        await Eventually.HoldsAsync(async () => await UpAsPrimaryAsync(b) == newPrimary.Name, Bound, () => Logs(nodeA, nodeB));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(newPrimary.Address.ToString(), await WriteAsync(b, PrimaryPort));
        }

        // Through the old primary's node pooler, a client asking for read-write at start-up cannot write there.
        var bypass = await WriteAsync(b, PoolerPort, "-c default_transaction_read_only=off");
        Assert.Null(bypass);

        // Restarts forget nothing: the fence is in the instance.
        await nodeA.StopAsync();
        await nodeB.StopAsync();
        nodeA = Serve(a);
        nodeB = Serve(b);
        // (A member starts up until its checks say otherwise, as in HAProxy: wait for the checks.)
        await Eventually.HoldsAsync(async () => await UpAsPrimaryAsync(a) == newPrimary.Name && await UpAsPrimaryAsync(b) == newPrimary.Name, Bound, () => Logs(nodeA, nodeB));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await AgentAsync(b, "/primary"));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(newPrimary.Address.ToString(), await WriteAsync(a, PrimaryPort));
            Assert.Equal(newPrimary.Address.ToString(), await WriteAsync(b, PrimaryPort));
        }

        // Unfencing the old primary while the new one is up: refused, through either node.
        var refused = await RunCliAsync("unfence", "--member", oldPrimary.Name, "--url", $"http://{b}:{AdminPort}");
        Assert.Equal(1, refused.Code);
        Assert.Contains($"{newPrimary.Name} is a primary", refused.Error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await AgentAsync(b, "/primary"));
        output.WriteLine(refused.Error);
    }

    private ServeProcess Serve(IPAddress node)
    {
        // Each node binds its services to its own address (one machine stands for two here): the same
        // inventory but for that.
        var file = Path.Combine(Path.GetTempPath(), $"pgway-split-{Guid.NewGuid():N}.yml");
        files.Add(file);
        File.WriteAllText(file, Cluster.ToInventoryYaml([
            new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
            new("pg_admin_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Dba)}'"),
            new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Meta)}', pgbouncer: true}}]"),
            new("pgbouncer_poolmode", "transaction"),
            new("pg_default_services", $"[{{name: primary, port: {PrimaryPort}, ip: '{node}', dest: pgbouncer, selector: '[]', check: /primary, " +
                "options: 'inter 500ms fastinter 200ms downinter 500ms rise 2 fall 2 on-marked-down shutdown-sessions'}]"),
        ]));
        var serve = ServeProcess.Launch("-c", file, "--node", node.ToString(), "--runtime-dir", runtimeDirectory);
        serves.Add(serve);
        return serve;
    }

    // A write through a port of a node: the address of the server that took it, or null if none did.
    private async Task<string?> WriteAsync(IPAddress node, int port, string? options = null)
    {
        var builder = Cluster.ConnectionStringBuilder(Cluster.Primary, PgTestUsers.Meta, PgTestUsers.TestDatabase);
        builder.Host = node.ToString();
        builder.Port = port;
        builder.Options = options;
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS split_probe (id int); INSERT INTO split_probe VALUES (1); SELECT inet_server_addr()::text", connection);
            return ((string?)await command.ExecuteScalarAsync())?.Split('/')[0];
        }
        catch (NpgsqlException e)
        {
            output.WriteLine($"write through {node}:{port}: {e.Message}");
            return null;
        }
    }

    // The members up in a node's primary service (its status document), comma-separated.
    private static async Task<string> UpAsPrimaryAsync(IPAddress node)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://{node}:{AdminPort}/status.json")));
            var service = status.RootElement.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "pg-test-primary");
            return string.Join(",", service.GetProperty("members").EnumerateArray().Where(m => m.GetProperty("up").GetBoolean()).Select(m => m.GetProperty("name").GetString()));
        }
        catch (HttpRequestException)
        {
            return "(not answering)";
        }
    }

    private static async Task<HttpStatusCode> AgentAsync(IPAddress node, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var answer = await http.GetAsync(new Uri($"http://{node}:{AgentPort}{path}"));
        return answer.StatusCode;
    }

    // As the node's operator runs them: as pgway's user, reading the token its serve wrote.
    private async Task<(int Code, string Output, string Error)> RunCliAsync(params string[] arguments)
    {
        var (printed, errors) = (new StringWriter(), new StringWriter());
        var code = await PgwayCommand.RunAsync([.. arguments, "--runtime-dir", runtimeDirectory], CliContext.ForWriters(printed, errors), CancellationToken.None);
        return (code, printed.ToString(), errors.ToString());
    }

    private static string Logs(ServeProcess a, ServeProcess b) => $"node A:\n{Tail(a.Output)}\nnode B:\n{Tail(b.Output)}";

    private static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(30));
}
