using System.Net;
using System.Net.Sockets;
using Npgsql;
using Pgway.IntegrationTests.Testing;

namespace Pgway.IntegrationTests.Demo;

/// <summary>`pgway demo` end to end: the real CLI builds the cluster, serves it, fails over, and stops leaving nothing behind.</summary>
[Collection(DemoAddresses.Name)]
public sealed class DemoCommandTests : IDisposable
{
    private const string Ready = "Ctrl-C stops everything";
    private const string FollowedFailover = "the health checks see pg-test-2 (127.0.0.12) as the primary";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);
    private static readonly string[] Nodes = ["127.0.0.11", "127.0.0.12", "127.0.0.13"];
    private static readonly int[] Ports = [5432, 5433, 5434, 5436, 5438, 6432, 8008, 9101];

    private readonly string directory = Path.Combine(Path.GetTempPath(), $"pgway-demo-test-{Guid.NewGuid():N}");
    private readonly List<int> postmasters = [];

    [Fact]
    public async Task Demo_ConnectThroughEachServiceFailOverAndInterrupt_ExitsZeroLeavingNothing()
    {
        using var demo = DemoProcess.Start(directory, []);
        await demo.WaitForOutputAsync(Ready, StartTimeout);
        RememberPostmasters();
        Assert.Equal(3, postmasters.Count);
        Assert.True(File.Exists(Path.Combine(directory, "pg-test.yml")));

        Assert.Equal(("127.0.0.11", false), await WriteAsync("test", "test", 5433));
        Assert.Equal(("127.0.0.11", false), await WriteAsync("dbuser_dba", "DBUser.DBA", 5433));
        Assert.Equal(("127.0.0.12", true), await ReadAsync("test", "test", 5434));
        Assert.Equal(("127.0.0.12", true), await ReadAsync("dbuser_dba", "DBUser.DBA", 5434));
        Assert.Equal(("127.0.0.11", false), await WriteAsync("test", "test", 5436));
        Assert.Equal(("127.0.0.11", false), await WriteAsync("dbuser_dba", "DBUser.DBA", 5436));
        Assert.Equal(("127.0.0.13", true), await ReadAsync("test", "test", 5438));
        Assert.Equal(("127.0.0.13", true), await ReadAsync("dbuser_dba", "DBUser.DBA", 5438));
        foreach (var node in Nodes)
        {
            Assert.Equal(node, (await ReadAsync("test", "test", 6432, node)).Address);
            Assert.Equal(node, (await ReadAsync("dbuser_dba", "DBUser.DBA", 6432, node)).Address);
        }
        var readOnly = await Assert.ThrowsAsync<PostgresException>(() => WriteAsync("test", "test", 5434));
        Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, readOnly.SqlState);

        await demo.WriteLineAsync("f");
        await Eventually.HoldsAsync(async () => await TryWriteAsync("test", "test", 5433) == ("127.0.0.12", false), StepTimeout, () => demo.Output);
        await demo.WaitForOutputAsync(FollowedFailover, StepTimeout);

        await StopAsync(demo, DemoProcess.SigInt, kept: false);
    }

    [Fact]
    public async Task Demo_FailoverFlagKeepThenStartAgain_ReusesDataWithTheNewPrimary()
    {
        using (var first = DemoProcess.Start(directory, ["--keep", "--failover"]))
        {
            await first.WaitForOutputAsync(FollowedFailover, StartTimeout);
            RememberPostmasters();
            Assert.Equal(("127.0.0.12", false), await WriteAsync("test", "test", 5433, table: "kept"));
            await StopAsync(first, DemoProcess.SigTerm, kept: true);
        }

        using var second = DemoProcess.Start(directory, []);
        await second.WaitForOutputAsync(Ready, StartTimeout);
        RememberPostmasters();
        Assert.Contains("pg-test-2 is primary", second.Output, StringComparison.Ordinal);
        await Eventually.HoldsAsync(async () => await TryWriteAsync("test", "test", 5433, table: "kept") == ("127.0.0.12", false), StepTimeout, () => second.Output);
        await using (var direct = await OpenAsync("test", "test", 5436, "127.0.0.11"))
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM kept", direct);
            Assert.Equal(2L, await count.ExecuteScalarAsync());
        }
        Assert.Equal(("127.0.0.11", true), await ReadAsync("test", "test", 6432, "127.0.0.11"));
        await StopAsync(second, DemoProcess.SigTerm, kept: false);
    }

    [Fact]
    public async Task Demo_NoPostgresBinaries_ExitsOneSayingHowToInstall()
    {
        var empty = Directory.CreateTempSubdirectory("pgway-no-binaries-");
        try
        {
            using var demo = DemoProcess.Start(directory, [], new Dictionary<string, string> { ["PGWAY_PG_BIN"] = empty.FullName });
            Assert.Equal(1, await demo.WaitForExitAsync(StepTimeout));
            Assert.Contains("PGWAY_PG_BIN", demo.Output, StringComparison.Ordinal);
            Assert.Contains("apt-get install postgresql", demo.Output, StringComparison.Ordinal);
            Assert.False(Directory.Exists(directory));
        }
        finally
        {
            empty.Delete();
        }
    }

    [Fact]
    public async Task Demo_PrimaryServicePortTaken_ExitsOneNamingItAndKeepsWhatElseIsInTheDirectory()
    {
        Directory.CreateDirectory(directory);
        var notes = Path.Combine(directory, "notes.txt");
        await File.WriteAllTextAsync(notes, "not the demo's");
        // Holding the port ourselves; if something else holds it already, the demo must name it all the same.
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            holder.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.11"), 5433));
            holder.Listen();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
        }
        using var demo = DemoProcess.Start(directory, []);
        Assert.Equal(1, await demo.WaitForExitAsync(StepTimeout));
        Assert.Contains("127.0.0.11:5433 is taken", demo.Output, StringComparison.Ordinal);
        Assert.Contains("pg-test-primary", demo.Output, StringComparison.Ordinal);
        Assert.Equal([notes], Directory.GetFileSystemEntries(directory));
    }

    [Fact]
    public async Task Demo_SecondWhileOneRuns_ExitsOneLeavingTheFirstsFilesAlone()
    {
        // What a running demo shows a second one: its inventory in the directory and its gateway ports taken.
        Directory.CreateDirectory(directory);
        var inventory = Path.Combine(directory, "pg-test.yml");
        await File.WriteAllTextAsync(inventory, "# the running demo's inventory\n");
        var written = File.GetLastWriteTimeUtc(inventory);
        using var holder = HoldPrimaryServicePort();

        using var demo = DemoProcess.Start(directory, []);

        Assert.Equal(1, await demo.WaitForExitAsync(StepTimeout));
        Assert.Contains("127.0.0.11:5433 is taken", demo.Output, StringComparison.Ordinal);
        Assert.Equal("# the running demo's inventory\n", await File.ReadAllTextAsync(inventory));
        Assert.Equal(written, File.GetLastWriteTimeUtc(inventory));
        Assert.Equal([inventory], Directory.GetFileSystemEntries(directory));
    }

    [Fact]
    public async Task Demo_SecondOnTheSameDirectory_StopsAtTheFirstsLockBeforeWritingAnything()
    {
        Directory.CreateDirectory(directory);
        var inventory = Path.Combine(directory, "pg-test.yml");
        await File.WriteAllTextAsync(inventory, "# the running demo's inventory\n");
        var written = File.GetLastWriteTimeUtc(inventory);
        // The running demo's lock, as it holds it; its ports too, so that a demo ignoring the lock could not start a cluster here.
        using var held = new FileStream(Path.Combine(directory, ".pgway-demo.lock"), FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        using var holder = HoldPrimaryServicePort();

        using var demo = DemoProcess.Start(directory, []);

        Assert.Equal(1, await demo.WaitForExitAsync(StepTimeout));
        Assert.Contains($"another pgway demo runs on {directory}", demo.Output, StringComparison.Ordinal);
        Assert.Equal("# the running demo's inventory\n", await File.ReadAllTextAsync(inventory));
        Assert.Equal(written, File.GetLastWriteTimeUtc(inventory));
        Assert.True(File.Exists(held.Name));
    }

    // Holding the port ourselves; if something else holds it already, the demo must stop all the same.
    private static Socket HoldPrimaryServicePort()
    {
        var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            holder.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.11"), 5433));
            holder.Listen();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
        }
        return holder;
    }

    public void Dispose()
    {
        // A failed test must not leave servers behind: kill what it saw running, by PID, then the files.
        foreach (var pid in postmasters.Where(p => PostmasterProcess.IsAlive(p) && Directory.Exists(directory)))
        {
            var dataDirectory = Directory.EnumerateDirectories(directory).Select(d => Path.Combine(d, "data")).FirstOrDefault(d => PostmasterProcess.IsPostmasterOf(pid, d));
            if (dataDirectory is not null)
            {
                PostmasterProcess.KillTree(pid, dataDirectory);
            }
        }
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
        File.Delete(directory + "-output.log");
    }

    private void RememberPostmasters()
    {
        foreach (var instance in Directory.EnumerateDirectories(directory, "pg-test-*"))
        {
            if (PostmasterProcess.ReadPidFile(Path.Combine(instance, "data", "postmaster.pid")) is { } pid && !postmasters.Contains(pid))
            {
                postmasters.Add(pid);
            }
        }
    }

    // Signals the demo, which must exit 0 leaving no server and no open port, and its data kept or removed.
    private async Task StopAsync(DemoProcess demo, int signal, bool kept)
    {
        demo.Signal(signal);
        Assert.Equal(0, await demo.WaitForExitAsync(StepTimeout));
        await AssertNothingRunsAsync();
        Assert.True(kept == File.Exists(Path.Combine(directory, "pg-test-2", "data", "PG_VERSION")), demo.Output);
        Assert.True(kept == Directory.Exists(directory), demo.Output);
    }

    private async Task AssertNothingRunsAsync()
    {
        Assert.DoesNotContain(postmasters, PostmasterProcess.IsAlive);
        foreach (var node in Nodes)
        {
            foreach (var port in Ports)
            {
                Assert.False(await IsListeningAsync(node, port), $"{node}:{port} still accepts connections");
            }
        }
    }

    private static async Task<bool> IsListeningAsync(string address, int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Parse(address), port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(string user, string password, int port, string host)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Username = user,
            Password = password,
            Database = "test",
            Pooling = false,
            Timeout = 10,
            CommandTimeout = 20,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    // Where a write through the port went, and whether that server is in recovery.
    private static async Task<(string Address, bool InRecovery)> WriteAsync(string user, string password, int port, string host = "127.0.0.11", string table = "demo_probe")
    {
        await using var connection = await OpenAsync(user, password, port, host);
        await using var command = new NpgsqlCommand(
            $"CREATE TABLE IF NOT EXISTS {table} (id int); INSERT INTO {table} VALUES (1); SELECT host(inet_server_addr()), pg_is_in_recovery()", connection);
        return await ReadRowAsync(command);
    }

    private static async Task<(string Address, bool InRecovery)?> TryWriteAsync(string user, string password, int port, string table = "demo_probe")
    {
        try
        {
            return await WriteAsync(user, password, port, table: table);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return null;
        }
    }

    private static async Task<(string Address, bool InRecovery)> ReadAsync(string user, string password, int port, string host = "127.0.0.11")
    {
        await using var connection = await OpenAsync(user, password, port, host);
        await using var command = new NpgsqlCommand("SELECT host(inet_server_addr()), pg_is_in_recovery()", connection);
        return await ReadRowAsync(command);
    }

    private static async Task<(string, bool)> ReadRowAsync(NpgsqlCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetBoolean(1));
    }
}
