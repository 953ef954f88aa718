using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.IntegrationTests.Testing;
using Pgway.Routing;
using Pgway.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Routing;

/// <summary>A <c>dest: pool</c> primary service: pooled clients follow a failover between transactions, and a member marked down is fenced.</summary>
public sealed class PoolServiceTests(ITestOutputHelper output) : FreshPgTestClusterPerTest(PgTestClusterOptions.PrimaryAndReplica)
{
    private const int Port = 5441;

    private async Task<GatewayHost> StartAsync(string poolMode = "transaction", string authType = "scram-sha-256")
    {
        var replica = Cluster.Instance(2);
        var password = Cluster.Credentials.PasswordFor(PgTestUsers.Meta);
        var inventory = InventoryLoader.LoadText(Cluster.ToInventoryYaml([
            new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
            new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{password}', pgbouncer: true}}]"),
            new("pgbouncer_poolmode", poolMode),
            new("pgbouncer_auth_type", authType),
            new("pgbouncer_default_pool_size", "4"),
            new("pg_default_services", $"[{{name: primary, port: {Port}, ip: '{replica.Address}', dest: pool, selector: '[]', check: /primary, " +
                "check_method: postgres, options: 'inter 500ms fastinter 200ms downinter 500ms rise 1 fall 1'}]"),
        ]), "pool-service.yml");
        Assert.False(inventory.HasErrors, string.Join('\n', inventory.Errors));
        var options = new GatewayOptions([.. Cluster.Instances.Select(i => i.Address.ToString())], RunAgents: false,
            HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty) { RunPoolers = false, RunAdmin = false };
        var host = await GatewayHost.StartAsync(inventory.Topology!, options, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);
        await Eventually.HoldsAsync(() => host.Snapshot().Single().Members.All(m => m.Health?.LastResult is not null && m.IsUp == (m.Address == Cluster.Primary.Address.ToString())),
            TimeSpan.FromSeconds(30), () => string.Join("; ", host.Snapshot().Single().Members.Select(m => $"{m.Name} {m.Status}")));
        return host;
    }

    private async Task<NpgsqlConnection> OpenAsync(Action<NpgsqlConnectionStringBuilder>? configure = null)
    {
        var builder = Cluster.ConnectionStringBuilder(Cluster.Instance(2), PgTestUsers.Meta, PgTestUsers.TestDatabase);
        builder.Port = Port;
        builder.Pooling = false;
        builder.ApplicationName = "pool-service-test";
        configure?.Invoke(builder);
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<string> ServerOfAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT inet_server_addr()::text || '/' || pg_is_in_recovery()", connection);
        return ((string)(await command.ExecuteScalarAsync())!).Replace("/32", "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task PoolService_Clients_ReachThePrimaryThroughSharedServers()
    {
        await using var host = await StartAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            await using var connection = await OpenAsync();
            return await ServerOfAsync(connection);
        })).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(answers, a => Assert.Equal($"{Cluster.Primary.Address}/false", a));
        Assert.InRange(host.PoolServices.Single().Pooler.ServerCounts(PgTestUsers.TestDatabase, PgTestUsers.Meta).Total, 1, 4);
        Assert.Contains("pg-test-primary", host.Metrics(), StringComparison.Ordinal);
        Assert.Single(host.Status().Services);
    }

    [Fact]
    public async Task PoolService_MemberMarkedDown_ServersClosedNoNewTransactionTransactionLostOnce()
    {
        await using var host = await StartAsync();
        var primary = Cluster.Primary;
        await using var idle = await OpenAsync();
        await using var inside = await OpenAsync();
        Assert.Equal($"{primary.Address}/false", await ServerOfAsync(idle));
        await using (var begin = new NpgsqlCommand("BEGIN; SELECT 1", inside))
        {
            await begin.ExecuteNonQueryAsync();
        }

        // The primary fails its check while it stays up and writable: the monitor user cannot log in.
        await Cluster.ExecuteNonQueryAsync(primary, $"ALTER ROLE {PgTestUsers.Monitor} NOLOGIN; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{PgTestUsers.Monitor}'");
        try
        {
            await Eventually.HoldsAsync(() => !host.Snapshot().Single().Members.Single(m => m.Address == primary.Address.ToString()).IsUp,
                TimeSpan.FromSeconds(30), () => string.Join("; ", host.Snapshot().Single().Members.Select(m => $"{m.Name} {m.Status}")));
            // Fenced: no server of the service's is left on the primary.
            await Eventually.HoldsAsync(async () => await Cluster.ExecuteScalarAsync<long>(primary,
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pool-service-test' AND backend_type = 'client backend'") == 0,
                TimeSpan.FromSeconds(30));

            // The client inside a transaction loses it, once, with 08006.
            await using (var lost = new NpgsqlCommand("SELECT 2", inside))
            {
                var error = await Assert.ThrowsAsync<PostgresException>(() => lost.ExecuteScalarAsync());
                Assert.Equal("08006", error.SqlState);
                Assert.Contains("fenced", error.MessageText, StringComparison.Ordinal);
            }
            // A client between transactions waits for a member rather than reaching the fenced one.
            var waiting = ServerOfAsync(idle);
            var overStarted = ServerOfAsync(inside);
            Assert.False(waiting.IsCompleted);
            Assert.Equal(0, await Cluster.ExecuteScalarAsync<long>(primary,
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pool-service-test' AND backend_type = 'client backend'"));

            await Cluster.ExecuteNonQueryAsync(primary, $"ALTER ROLE {PgTestUsers.Monitor} LOGIN");
            Assert.Equal($"{primary.Address}/false", await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal($"{primary.Address}/false", await overStarted.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            await Cluster.ExecuteNonQueryAsync(primary, $"ALTER ROLE {PgTestUsers.Monitor} LOGIN");
        }
    }

    [Fact]
    public async Task PoolService_ServerLostDuringCommit_OutcomeUnknownNotFailed()
    {
        await using var host = await StartAsync();
        var primary = Cluster.Primary;
        await using var client = await OpenAsync();
        await ExecuteAsync(client, "CREATE TABLE commit_probe (id int)");
        var warnings = new List<string>();
        client.Notice += (_, e) => warnings.Add(e.Notice.MessageText);
        // A synchronous standby that never comes: a COMMIT is written locally, then waits for it.
        await Cluster.ExecuteNonQueryAsync(primary, "ALTER SYSTEM SET synchronous_standby_names = 'nobody'");
        await Cluster.ExecuteNonQueryAsync(primary, "SELECT pg_reload_conf()");
        try
        {
            await Eventually.HoldsAsync(async () => await ScalarAsync(client, "SELECT current_setting('synchronous_standby_names')") == "nobody", TimeSpan.FromSeconds(30));
            // A backend waits for a synchronous standby only once the checkpointer, after its own
            // reload, has published that one is wanted: until then a COMMIT does not wait (seen in CI
            // on a loaded machine). Tried again, a new row each time, until a COMMIT waits.
            var commit = Task.CompletedTask;
            var waiting = 0;
            var committed = 0;
            await Eventually.HoldsAsync(async () =>
            {
                await ExecuteAsync(client, "BEGIN");
                await ExecuteAsync(client, "INSERT INTO commit_probe VALUES (1)");
                commit = ExecuteAsync(client, "COMMIT");
                await Eventually.HoldsAsync(async () => commit.IsCompleted || (waiting = await Cluster.ExecuteScalarAsync<int>(primary,
                    "SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE wait_event = 'SyncRep'")) != 0, TimeSpan.FromSeconds(30));
                if (!commit.IsCompleted)
                {
                    return true;
                }
                await commit;
                committed++;
                return false;
            }, TimeSpan.FromSeconds(60));

            // The server goes away with the COMMIT in flight, committed locally (PostgreSQL warns so first).
            await Cluster.ExecuteNonQueryAsync(primary, $"SELECT pg_terminate_backend({waiting})");

            var error = await Assert.ThrowsAsync<PostgresException>(() => commit.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal("08007", error.SqlState);
            Assert.Contains("unknown", error.MessageText, StringComparison.Ordinal);
            Assert.DoesNotContain("did not complete", error.MessageText, StringComparison.Ordinal);
            Assert.Contains(warnings, w => w.Contains("synchronous replication", StringComparison.Ordinal));
            // It did commit: "did not complete" would have been false.
            Assert.Equal(committed + 1L, await Cluster.ExecuteScalarAsync<long>(primary, "SELECT count(*) FROM commit_probe", PgTestUsers.Meta, PgTestUsers.TestDatabase));
            // The session goes on, on another server.
            Assert.Equal(System.Data.ConnectionState.Open, client.State);
            Assert.Equal($"{primary.Address}/false", await ServerOfAsync(client));
        }
        finally
        {
            await Cluster.ExecuteNonQueryAsync(primary, "ALTER SYSTEM RESET synchronous_standby_names");
            await Cluster.ExecuteNonQueryAsync(primary, "SELECT pg_reload_conf()");
        }
    }

    [Fact]
    public async Task PoolService_ServerLostInsideATransactionBlock_RolledBackNotUnknown()
    {
        await using var host = await StartAsync();
        var primary = Cluster.Primary;
        await using var client = await OpenAsync();
        await ExecuteAsync(client, "CREATE TABLE block_probe (id int)");
        await ExecuteAsync(client, "BEGIN");
        await ExecuteAsync(client, "INSERT INTO block_probe VALUES (1)");
        var running = ExecuteAsync(client, "SELECT pg_sleep(60)");
        var pid = 0;
        await Eventually.HoldsAsync(async () => running.IsCompleted || (pid = await Cluster.ExecuteScalarAsync<int>(primary,
            "SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active'")) != 0, TimeSpan.FromSeconds(30));

        await Cluster.ExecuteNonQueryAsync(primary, $"SELECT pg_terminate_backend({pid})");

        // Inside a block, a statement that is not a COMMIT cannot have committed anything: the transaction is gone.
        var error = await Assert.ThrowsAsync<PostgresException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("08006", error.SqlState);
        Assert.Contains("did not complete", error.MessageText, StringComparison.Ordinal);
        Assert.Equal(0L, await Cluster.ExecuteScalarAsync<long>(primary, "SELECT count(*) FROM block_probe", PgTestUsers.Meta, PgTestUsers.TestDatabase));
        Assert.Equal(System.Data.ConnectionState.Open, client.State);
    }

    [Fact]
    public async Task PoolService_ServerLostWhileTheNextBatchIsHeldForItsAnswers_ClientToldNotLeftWaiting()
    {
        // A Bind of a statement whose Close is not answered yet is held until it is; the server is lost
        // meanwhile. The session cannot go on (a batch was under way): the client gets a FATAL, and
        // nothing it sent is left waiting. (trust: the raw client speaks no SCRAM.)
        await using var host = await StartAsync(authType: "trust");
        var primary = Cluster.Primary;
        using var client = await Pooling.WireClient.LogInAsync(new System.Net.IPEndPoint(Cluster.Instance(2).Address, Port),
            PgTestUsers.Meta, PgTestUsers.TestDatabase, TimeSpan.FromSeconds(60));
        await client.SendAsync(Pooling.WireClient.Parse("s1", "SELECT 1"), Pooling.WireClient.Sync());
        Assert.Empty((await client.ReadUntilReadyAsync()).Errors);
        const string Sleep = "SELECT pg_sleep(60)";
        await client.SendAsync(
            Pooling.WireClient.Parse("", Sleep), Pooling.WireClient.Bind(""), Pooling.WireClient.Execute(), Pooling.WireClient.Close("s1"), Pooling.WireClient.Sync(),
            Pooling.WireClient.Bind("s1"), Pooling.WireClient.Execute(), Pooling.WireClient.Sync());
        var pid = 0;
        await Eventually.HoldsAsync(async () => (pid = await Cluster.ExecuteScalarAsync<int>(primary,
            $"SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE query = '{Sleep}' AND state = 'active'")) != 0, TimeSpan.FromSeconds(30));

        await Cluster.ExecuteNonQueryAsync(primary, $"SELECT pg_terminate_backend({pid})");

        // The end comes within the bound, with a FATAL saying why.
        var errors = new List<string>();
        while (await client.ReadMessageAsync().WaitAsync(TimeSpan.FromSeconds(30)) is { } message)
        {
            if (message.Type == 'E')
            {
                errors.Add($"{Pooling.RawWireClient.Field(message.Body, 'S')} {Pooling.RawWireClient.Field(message.Body, 'C')}");
            }
        }
        Assert.Equal("FATAL 08006", errors.LastOrDefault());
    }

    [Fact]
    public async Task PoolService_TerminateInsideCopyIn_ClientClosedServerFreed()
    {
        // The server reads the client's Terminate inside the COPY (08P01, then FATAL) and closes: a pool
        // service takes that as its server lost, which must still end a session whose client has left,
        // not leave it waiting for answers that will never come (its socket held for ever).
        await using var host = await StartAsync(authType: "trust");
        var pooler = host.PoolServices.Single().Pooler;
        await using (var setup = await OpenAsync())
        {
            await ExecuteAsync(setup, "CREATE TABLE copy_left (line text)");
        }
        using (var client = await Pooling.WireClient.LogInAsync(new System.Net.IPEndPoint(Cluster.Instance(2).Address, Port),
            PgTestUsers.Meta, PgTestUsers.TestDatabase, TimeSpan.FromSeconds(60)))
        {
            await client.SendAsync(Pooling.WireClient.Query("COPY copy_left FROM STDIN"));
            Assert.Equal('G', (await client.ReadMessageAsync())?.Type);

            await client.SendAsync(Pooling.WireClient.CopyData("a\n"), Pooling.WireClient.CopyData("b\n"), Pooling.WireClient.Terminate());

            while (await client.ReadMessageAsync().WaitAsync(TimeSpan.FromSeconds(30)) is not null)
            {
            }
        }
        await Eventually.HoldsAsync(() => pooler.Clients == 0, TimeSpan.FromSeconds(30), () => $"clients: {pooler.Clients}");
        await using var other = await OpenAsync();
        Assert.Equal("0", await ScalarAsync(other, "SELECT count(*)::text FROM copy_left"));
    }

    private System.Diagnostics.Process StartPsql(string sql)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Cluster.Binaries.PathOf("psql"))
        {
            ArgumentList = { $"host={Cluster.Instance(2).Address} port={Port} dbname={PgTestUsers.TestDatabase} user={PgTestUsers.Meta} sslmode=disable gssencmode=disable", "-c", sql },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PGPASSWORD"] = Cluster.Credentials.PasswordFor(PgTestUsers.Meta);
        return System.Diagnostics.Process.Start(start)!;
    }

    private static async Task<string?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (string?)await command.ExecuteScalarAsync();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task PoolService_ClientGivesUpWhileWaitingForAMember_ItsStatementNeverRuns()
    {
        await using var host = await StartAsync();
        var primary = Cluster.Primary;
        var pooler = host.PoolServices.Single().Pooler;
        await using var cancelling = await OpenAsync();
        await ExecuteAsync(cancelling, "CREATE TABLE abandoned_probe (id int)");

        await Cluster.ExecuteNonQueryAsync(primary, $"ALTER ROLE {PgTestUsers.Monitor} NOLOGIN; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{PgTestUsers.Monitor}'");
        try
        {
            await Eventually.HoldsAsync(() => !host.Snapshot().Single().Members.Single(m => m.Address == primary.Address.ToString()).IsUp, TimeSpan.FromSeconds(30));

            // Cancelled while it waits for a member: answered as PostgreSQL answers a cancelled query.
            await using var first = new NpgsqlCommand("INSERT INTO abandoned_probe VALUES (1)", cancelling);
            var cancelled = first.ExecuteNonQueryAsync();
            await Eventually.HoldsAsync(async () => (await pooler.ClientsAsync()).Count(c => c.Waiting) == 1, TimeSpan.FromSeconds(30));
            first.Cancel();
            var error = await Assert.ThrowsAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal("57014", Assert.IsType<PostgresException>(error.InnerException).SqlState);

            // Gone while it waits, with no cancel request (killed): the session ends when a member is
            // back, without running what it sent.
            using (var leaving = StartPsql("INSERT INTO abandoned_probe VALUES (2)"))
            {
                await Eventually.HoldsAsync(async () => (await pooler.ClientsAsync()).Count(c => c.Waiting) == 1, TimeSpan.FromSeconds(30));
                leaving.Kill();
                await leaving.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
            Assert.Equal(2, pooler.Clients);

            await Cluster.ExecuteNonQueryAsync(primary, $"ALTER ROLE {PgTestUsers.Monitor} LOGIN");
            await Eventually.HoldsAsync(() => pooler.Clients == 1, TimeSpan.FromSeconds(30), () => $"{pooler.Clients} clients");
            Assert.Equal("0", await ScalarAsync(cancelling, "SELECT count(*)::text FROM abandoned_probe"));
        }
        finally
        {
            await Cluster.ExecuteNonQueryAsync(primary, $"ALTER ROLE {PgTestUsers.Monitor} LOGIN");
        }
    }

    [Fact]
    public async Task PoolService_SessionModeMemberMarkedDown_ClientDisconnectedWithFatal()
    {
        await using var host = await StartAsync("session");
        var primary = Cluster.Primary;
        await using var client = await OpenAsync();
        Assert.Equal($"{primary.Address}/false", await ServerOfAsync(client));

        await Cluster.ExecuteNonQueryAsync(primary, $"ALTER ROLE {PgTestUsers.Monitor} NOLOGIN; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{PgTestUsers.Monitor}'");
        try
        {
            await Eventually.HoldsAsync(async () => await Cluster.ExecuteScalarAsync<long>(primary,
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pool-service-test' AND backend_type = 'client backend'") == 0,
                TimeSpan.FromSeconds(30));

            var fatal = await Assert.ThrowsAsync<PostgresException>(() => ServerOfAsync(client));
            Assert.NotEqual(System.Data.ConnectionState.Open, client.State);
            Assert.Equal(("FATAL", "08006"), (fatal.InvariantSeverity, fatal.SqlState));
            Assert.Contains("fenced", fatal.MessageText, StringComparison.Ordinal);
        }
        finally
        {
            await Cluster.ExecuteNonQueryAsync(primary, $"ALTER ROLE {PgTestUsers.Monitor} LOGIN");
        }
    }

    [Fact]
    public async Task PoolService_Failover_ClientsContinueOnTheNewPrimary()
    {
        await using var host = await StartAsync();
        var (primary, replica) = (Cluster.Primary, Cluster.Instance(2));
        await using (var setup = await OpenAsync())
        await using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS pool_probe (id int)", setup))
        {
            await create.ExecuteNonQueryAsync();
        }
        await Cluster.WaitForCatchUpAsync(replica);
        using var stop = new CancellationTokenSource();
        var onPrimary = new int[4];
        var onReplica = new int[4];
        var errors = new int[4];
        var loops = Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            await using var connection = await OpenAsync();
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await using var command = new NpgsqlCommand("BEGIN; INSERT INTO pool_probe VALUES (1); SELECT inet_server_addr()::text; COMMIT", connection);
                    var server = (string?)await command.ExecuteScalarAsync();
                    if (server?.StartsWith(replica.Address.ToString() + "/", StringComparison.Ordinal) == true)
                    {
                        Interlocked.Increment(ref onReplica[i]);
                    }
                    else
                    {
                        Interlocked.Increment(ref onPrimary[i]);
                    }
                }
                // 08006 for a transaction lost between requests, 08007 for a request in flight (its outcome unknown).
                catch (PostgresException e) when (e.SqlState is "08006" or "08007" && connection.State == System.Data.ConnectionState.Open)
                {
                    output.WriteLine($"client {i}: {e.SqlState} {e.MessageText}");
                    // A transaction lost on the old primary; the session goes on.
                    Interlocked.Increment(ref errors[i]);
                }
            }
            return connection.State;
        })).ToArray();

        // Every client busy on the primary, then the primary stops under them.
        await Eventually.HoldsAsync(() => loops.Any(l => l.IsCompleted) || onPrimary.All(n => n > 0), TimeSpan.FromSeconds(30));
        await Cluster.StopAsync(primary);
        await Cluster.PromoteAsync(replica);
        await Eventually.HoldsAsync(() => loops.Any(l => l.IsCompleted) || onReplica.All(n => n > 0), TimeSpan.FromSeconds(60),
            () => $"on the replica: {string.Join(",", onReplica)}; errors: {string.Join(",", errors)}");
        await stop.CancelAsync();
        var states = await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"on the primary {string.Join(",", onPrimary)}, on the replica {string.Join(",", onReplica)}, errors {string.Join(",", errors)}\n");

        // Every client kept its session; each lost at most the transaction it was in.
        Assert.All(states, s => Assert.Equal(System.Data.ConnectionState.Open, s));
        Assert.All(errors, n => Assert.InRange(n, 0, 1));
    }

    [Fact]
    public async Task PoolService_PgbenchAcrossFailover_ReportsItsFailuresAndWritesOnTheNewPrimary()
    {
        var (primary, replica) = (Cluster.Primary, Cluster.Instance(2));
        var (database, _) = await Pooling.PoolerHarness.CreatePgbenchDatabaseAsync(Cluster, "pool_service_pgbench");
        await Cluster.WaitForCatchUpAsync(replica);
        await using var host = await StartAsync();
        var history = $"SELECT count(*) FROM pgbench_history";

        var pgbench = Pooling.PoolerHarness.RunClientAsync(Cluster, "pgbench",
            ["-n", "-c", "10", "-j", "2", "-T", "15", "-h", replica.Address.ToString(), "-p", $"{Port}", "-U", Pooling.PoolerHarness.User, database]);
        await Eventually.HoldsAsync(async () => pgbench.IsCompleted || await Cluster.ExecuteScalarAsync<long>(primary, history, database: database) > 200, TimeSpan.FromSeconds(30));
        Assert.False(pgbench.IsCompleted);
        await Cluster.StopAsync(primary);
        await Cluster.PromoteAsync(replica);
        var atPromotion = await Cluster.ExecuteScalarAsync<long>(replica, history, database: database);
        var result = await pgbench.WaitAsync(TimeSpan.FromSeconds(60));
        var afterwards = await Cluster.ExecuteScalarAsync<long>(replica, history, database: database);

        output.WriteLine(result.Describe());
        output.WriteLine($"pgbench_history on the new primary: {atPromotion} at the promotion, {afterwards} after the run");
        // pgbench aborts a client at its first error other than a serialization failure: the
        // clients in a transaction on the old primary when it stopped are the failures it reports.
        Assert.Contains("number of transactions actually processed", result.StandardOutput, StringComparison.Ordinal);
        Assert.True(afterwards > atPromotion, $"no pgbench transaction committed on the new primary ({atPromotion} → {afterwards})");
        Assert.DoesNotContain("connection to server", result.StandardError, StringComparison.Ordinal);
    }
}
