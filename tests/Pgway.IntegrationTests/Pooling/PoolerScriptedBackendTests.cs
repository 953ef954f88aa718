using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Pgway.Configuration;
using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Protocol;
using Pgway.Testing;
using Pgway.Transport;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// The pooler in front of a <see cref="ScriptedBackend"/>: orders of events a real server gives only
/// by chance of timing, made certain. Each asserts what a client of PostgreSQL itself would see.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class PoolerScriptedBackendTests(PgTestClusterFixture fixture) : PoolerTestClass(fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private ScriptedBackend? backend;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (backend is not null)
        {
            await backend.DisposeAsync();
        }
    }

    private Pooler Start(string mode, params KeyValuePair<string, string>[] extra) => Start(mode, 1, extra);

    private Pooler Start(string mode, int poolSize, params KeyValuePair<string, string>[] extra) =>
        Running = PoolerHarness.Start(Cluster, mode, poolSize, waitTimeout: "20", backendPort: backend!.Port,
            extra: [new("pgbouncer_auth_type", "trust"), new("pgbouncer_reserve_pool_size", "0"), .. extra]);

    private Task<WireClient> LogInAsync() => WireClient.LogInAsync(Running!.LocalEndPoint, PoolerHarness.User, PoolerHarness.Database, Bound);

    // pgway's set_config of a client's TimeZone, and a client's question of the TimeZone in force.
    private const string SetTimeZone = "SELECT pg_catalog.set_config(E'TimeZone'";
    private const string ShowTimeZone = "SELECT 'time zone'";

    // A script's answer to either (false for any other query). The set_config is cancelled, as PostgreSQL
    // answers it (57014), by a cancel that acts on it within cancellableFor; else it sets Europe/Berlin.
    private static async Task<bool> AnswerTimeZoneAsync(ScriptedConnection connection, string query, TimeSpan? cancellableFor)
    {
        if (query.StartsWith(SetTimeZone, StringComparison.Ordinal))
        {
            if (cancellableFor is { } patience && await Task.WhenAny(connection.Cancelled, Task.Delay(patience)) == connection.Cancelled)
            {
                await connection.SendAsync(ScriptedConnection.Failed(ErrorSeverity.Error, SqlState.QueryCanceled, "canceling statement due to user request"));
                return true;
            }
            connection.TimeZone = "Europe/Berlin";
            await connection.SendAsync([.. ScriptedConnection.Row("Europe/Berlin"), .. ScriptedConnection.Report("TimeZone", "Europe/Berlin"),
                .. ScriptedConnection.Completed("SELECT 1")]);
            return true;
        }
        if (query == ShowTimeZone)
        {
            await connection.SendAsync([.. ScriptedConnection.Row(connection.TimeZone), .. ScriptedConnection.Completed("SELECT 1")]);
            return true;
        }
        return false;
    }

    private async Task UntilQueuedAsync() =>
        await Eventually.HoldsAsync(async () => (await Running!.ClientsAsync()).Any(c => c.Waiting), Bound);

    [Theory]
    [InlineData(0)]
    // Larger than one read of pgway's: the read with the FATAL begins inside the row.
    [InlineData(40_000)]
    public async Task TransactionMode_FatalInTheReadOfTheLastReadyForQuery_TheServerIsNotLentToTheClientQueued(int rowBytes)
    {
        // The server's ReadyForQuery and its FATAL (terminated as it went idle) came in one read: the
        // server counted as idle and went to the client queued, whose query met a closed connection and
        // whose session ended with 08006. From PostgreSQL, only the terminated session's client is told.
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend = ScriptedBackend.Start(Cluster.Primary.Address, async (connection, query) =>
        {
            if (query == "SELECT 'terminated'")
            {
                received.SetResult();
                await answer.Task.WaitAsync(Bound);
                await connection.SendAsync([
                    .. rowBytes > 0 ? ScriptedConnection.Row(new string('x', rowBytes)) : [],
                    .. ScriptedConnection.Completed(rowBytes > 0 ? "SELECT 1" : "SELECT 0"),
                    .. ScriptedConnection.Failed(ErrorSeverity.Fatal, SqlState.AdminShutdown, "terminating connection due to administrator command")]);
                connection.Close();
                return;
            }
            await connection.SendAsync(ScriptedConnection.Completed("SELECT 0"));
        });
        Start("transaction");
        using var terminated = await LogInAsync();
        using var queued = await LogInAsync();

        await terminated.SendAsync(WireClient.Query("SELECT 'terminated'"));
        await received.Task.WaitAsync(Bound);
        await queued.SendAsync(WireClient.Query("SELECT 'queued'"));
        await UntilQueuedAsync();
        answer.SetResult();

        var last = await terminated.ReadUntilReadyAsync();
        Assert.Equal('I', last.Status);
        Assert.Equal(rowBytes > 0 ? 1 : 0, last.Rows.Count);
        var fatal = await terminated.ReadMessageAsync();
        Assert.Equal('E', fatal?.Type);
        Assert.Equal(SqlState.AdminShutdown, RawWireClient.Field(fatal!.Value.Body, 'C'));
        var served = await queued.ReadUntilReadyAsync();
        Assert.Empty(served.Errors);
        Assert.Equal('I', served.Status);
        Assert.Equal(2, backend.LogIns);
    }

    [Fact]
    public async Task SessionMode_CancelThatCameDuringTheResetOfAnEndedSession_DoesNotCancelTheNextClientsQuery()
    {
        // A client that had left sent a cancel as its server ran server_reset_query: the server went to
        // the client queued as soon as the reset was answered, and the cancel, acted on after, cancelled
        // that client's query (57014). From PostgreSQL, a cancel for a session that has ended does nothing.
        var resetting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend = ScriptedBackend.Start(Cluster.Primary.Address, async (connection, query) =>
        {
            switch (query)
            {
                case "DISCARD ALL":
                    resetting.TrySetResult();
                    // Answered once the cancel has come to the server (it acts later): it was sent during the reset.
                    await backend!.CancelCame.WaitAsync(Bound);
                    await connection.SendAsync(ScriptedConnection.Completed("DISCARD ALL"));
                    return;
                case "SELECT 'queued'":
                    var cancelled = connection.Cancelled;
                    // Runs until a cancel, or well past the moment the cancel acts.
                    var outcome = await Task.WhenAny(cancelled, Task.Delay(TimeSpan.FromSeconds(4)));
                    await connection.SendAsync(outcome == cancelled
                        ? ScriptedConnection.Failed(ErrorSeverity.Error, SqlState.QueryCanceled, "canceling statement due to user request")
                        : ScriptedConnection.Completed("SELECT 0"));
                    return;
                default:
                    await connection.SendAsync(ScriptedConnection.Completed("SELECT 0"));
                    return;
            }
        }, cancelDelay: TimeSpan.FromMilliseconds(800));
        Start("session");
        using var leaving = await LogInAsync();
        await leaving.SendAsync(WireClient.Query("SELECT 'leaving'"));
        Assert.Empty((await leaving.ReadUntilReadyAsync()).Errors);
        using var queued = await LogInAsync();
        await queued.SendAsync(WireClient.Query("SELECT 'queued'"));
        await UntilQueuedAsync();

        await leaving.SendAsync(WireClient.Terminate());
        await resetting.Task.WaitAsync(Bound);
        await leaving.CancelAsync(Running!.LocalEndPoint);

        var served = await queued.ReadUntilReadyAsync();
        Assert.Empty(served.Errors);
        Assert.Equal('I', served.Status);
        // The cancel reached the server, and found nothing of the queued client's running.
        await Eventually.HoldsAsync(() => !backend.Cancels.IsEmpty, Bound);
        Assert.Equal([null], backend.Cancels.Select(c => c.Cancelled));
    }

    [Fact]
    public async Task QueryTimeout_OfAQueryBeforeTheClientsTerminate_CancelsItOnTheServerAndTellsTheClient()
    {
        // The client's side, waiting for the answers before its Terminate, was woken by the timeout and
        // ended the session inline: the server was closed with its query still running there (no cancel:
        // the session held no server any more), and the error went to the client's closed socket.
        backend = ScriptedBackend.Start(Cluster.Primary.Address, async (connection, query) =>
        {
            if (query == "SELECT 'long'")
            {
                await Task.WhenAny(connection.Cancelled, Task.Delay(Bound));
                await connection.SendAsync(ScriptedConnection.Failed(ErrorSeverity.Error, SqlState.QueryCanceled, "canceling statement due to user request"));
                return;
            }
            await connection.SendAsync(ScriptedConnection.Completed("SELECT 0"));
        });
        Start("transaction", new KeyValuePair<string, string>("pgbouncer_query_timeout", "1"));
        using var client = await LogInAsync();

        await client.SendAsync(WireClient.Query("SELECT 'long'"), WireClient.Terminate());

        var error = await client.ReadMessageAsync();
        Assert.Equal('E', error?.Type);
        Assert.Equal(SqlState.QueryCanceled, RawWireClient.Field(error!.Value.Body, 'C'));
        Assert.Contains("query_timeout", RawWireClient.Field(error.Value.Body, 'M'));
        await Eventually.HoldsAsync(() => backend.Cancels.Any(c => c.Cancelled == "SELECT 'long'"), Bound,
            () => $"cancels acted on: [{string.Join(", ", backend.Cancels)}]");
    }

    [Fact]
    public async Task ServerConnect_TimedOut_TheCallerGoesOnOnItsLoop()
    {
        // A connect that failed off the loop (server_connect_timeout here; a refusal from a remote host
        // too) left the session going on on the thread pool: its end then changed the loop's table of
        // sockets and woke the loop's waiters beside the loop's own thread.
        using var full = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        full.Bind(new IPEndPoint(Cluster.Primary.Address, 0));
        full.Listen(0);
        var port = ((IPEndPoint)full.LocalEndPoint!).Port;
        // Never accepted: once its queue is full, the next connect's handshake is not answered.
        var queued = new List<Socket>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var waiting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
                queued.Add(waiting);
                try
                {
                    waiting.Connect(full.LocalEndPoint!);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
                {
                    // The handshake goes on, or never ends: either way the queue fills.
                }
            }
            Running = PoolerHarness.Start(Cluster, "transaction", poolSize: 1, backendPort: port,
                extra: [new("pgbouncer_auth_type", "trust"), new("pgbouncer_server_connect_timeout", "1")]);
            using var loops = new EpollLoopGroup(1, TimeProvider.System);
            var loop = loops.Next();

            var (failed, onLoop) = await loop.RunAsync(async () =>
            {
                try
                {
                    (await ServerConnector.ConnectAsync(Running, loop, new ServerCredentials(PoolerHarness.User, "unused"), PoolerHarness.Database)).Close();
                    return (false, loop.IsCurrent);
                }
                catch (ServerLoginException)
                {
                    return (true, loop.IsCurrent);
                }
            }).WaitAsync(Bound);

            Assert.True(failed);
            Assert.True(onLoop);
        }
        finally
        {
            queued.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Cancel_WhilePgwayGivesTheServerTheClientsParameters_TheQueryNeverRunsUnderTheServersValues()
    {
        // The cancel went to the server while pgway's set_config of the client's TimeZone ran there: that
        // was cancelled, and the client's query ran under the server's TimeZone (a timestamp's text, an
        // instant read, silently other). From PostgreSQL, the query is cancelled, or runs as the client set it.
        var applying = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend = ScriptedBackend.Start(Cluster.Primary.Address, async (connection, query) =>
        {
            if (query.StartsWith(SetTimeZone, StringComparison.Ordinal))
            {
                applying.TrySetResult();
            }
            // A cancel comes within moments if it is sent now; held back, it never comes during the set_config.
            if (!await AnswerTimeZoneAsync(connection, query, cancellableFor: TimeSpan.FromSeconds(3)))
            {
                await connection.SendAsync(ScriptedConnection.Completed("SELECT 0"));
            }
        });
        Start("transaction");
        // The pool's server, logged in at the server's TimeZone and idle.
        using (var first = await LogInAsync())
        {
            await first.SendAsync(WireClient.Query("SELECT 'first'"));
            Assert.Empty((await first.ReadUntilReadyAsync()).Errors);
        }
        using var client = await WireClient.LogInAsync(Running!.LocalEndPoint, PoolerHarness.User, PoolerHarness.Database, Bound, ("TimeZone", "Europe/Berlin"));

        await client.SendAsync(WireClient.Query(ShowTimeZone));
        await Eventually.HoldsAsync(() => applying.Task.IsCompleted, Bound, () => $"queries: [{string.Join(", ", backend.Queries)}]");
        await client.CancelAsync(Running.LocalEndPoint);
        var answer = await client.ReadUntilReadyAsync();

        Assert.True(answer.Errors.SequenceEqual([SqlState.QueryCanceled]) || answer.Rows.SequenceEqual(["Europe/Berlin"]), answer.ToString());
    }

    [Fact]
    public async Task ClientResetUnderAnAnswer_ItsSessionEndsAndTheOtherIdleServersStayLendable()
    {
        // A failed write to the client was taken for its server lost: every server to that address idle
        // since was closed rather than lent (as after a member's crash), and the log said server_lost.
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        backend = ScriptedBackend.Start(Cluster.Primary.Address, async (connection, query) =>
        {
            switch (query)
            {
                case "SELECT 'held'":
                    await hold.Task.WaitAsync(Bound);
                    break;
                case "SELECT 'large'":
                    // Far more than the socket buffers between pgway and a client that does not read.
                    var row = ScriptedConnection.Row(new string('x', 64 * 1024));
                    await connection.SendAsync([.. Enumerable.Repeat(row, 128).SelectMany(r => r)]);
                    break;
            }
            await connection.SendAsync(ScriptedConnection.Completed("SELECT 0"));
        });
        Start("transaction", poolSize: 2);
        // Two servers, both idle in the pool afterwards.
        using (var holding = await LogInAsync())
        using (var second = await LogInAsync())
        {
            await holding.SendAsync(WireClient.Query("SELECT 'held'"));
            await second.SendAsync(WireClient.Query("SELECT 'second'"));
            Assert.Empty((await second.ReadUntilReadyAsync()).Errors);
            hold.SetResult();
            Assert.Empty((await holding.ReadUntilReadyAsync()).Errors);
        }
        Assert.Equal(2, backend.LogIns);

        using var resetting = await LogInAsync();
        await resetting.SendAsync(WireClient.Query("SELECT 'large'"));
        // Some of the answer has come: pgway is writing it.
        Assert.Equal('D', (await resetting.ReadMessageAsync())?.Type);
        resetting.Reset();
        await Eventually.HoldsAsync(async () => (await Running!.ClientsAsync()).Count == 0, Bound);
        using var next = await LogInAsync();
        await next.SendAsync(WireClient.Query("SELECT 'next'"));

        Assert.Empty((await next.ReadUntilReadyAsync()).Errors);
        // The reset client's server was closed, its answer cut; the other idle one served the next client.
        Assert.Equal(2, backend.LogIns);
    }

    [Fact]
    public async Task CancelSentDuringReset_StartUpValuesPutBackOnlyOnceItIsDone_TheNextQueryRunsUnderThem()
    {
        // A cancel sent while the client's RESET ALL ran landed after it, on pgway's set_config putting the
        // client's start-up TimeZone back: refused, and the client's next query ran under the server's.
        var resetting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resetAnswered = false;
        backend = ScriptedBackend.Start(Cluster.Primary.Address, async (connection, query) =>
        {
            if (query == "RESET ALL")
            {
                resetting.TrySetResult();
                // Answered once the cancel has come to the server; it acts after the answer.
                await backend!.CancelCame.WaitAsync(Bound);
                connection.TimeZone = "UTC";
                resetAnswered = true;
                await connection.SendAsync([.. ScriptedConnection.Report("TimeZone", "UTC"), .. ScriptedConnection.Completed("RESET")]);
                return;
            }
            if (!await AnswerTimeZoneAsync(connection, query, cancellableFor: resetAnswered ? TimeSpan.FromSeconds(2) : null))
            {
                await connection.SendAsync(ScriptedConnection.Completed("SELECT 0"));
            }
        }, cancelDelay: TimeSpan.FromMilliseconds(500));
        Start("session");
        using var client = await WireClient.LogInAsync(Running!.LocalEndPoint, PoolerHarness.User, PoolerHarness.Database, Bound, ("TimeZone", "Europe/Berlin"));
        await client.SendAsync(WireClient.Query(ShowTimeZone));
        Assert.Equal(["Europe/Berlin"], (await client.ReadUntilReadyAsync()).Rows);

        await client.SendAsync(WireClient.Query("RESET ALL"));
        await resetting.Task.WaitAsync(Bound);
        await client.CancelAsync(Running.LocalEndPoint);
        Assert.Empty((await client.ReadUntilReadyAsync()).Errors);
        await client.SendAsync(WireClient.Query(ShowTimeZone));

        Assert.Equal(["Europe/Berlin"], (await client.ReadUntilReadyAsync()).Rows);
        Assert.Equal([null], backend.Cancels.Select(c => c.Cancelled));
    }

    [Fact]
    public async Task TransactionMode_LoneFlushWhileTheAnswerWaitsForRoom_TheClientReadsItWholeThenItsNextAnswer()
    {
        // A client that was not reading sent a lone Flush while the end of its answer waited for room on
        // its socket. Its last ReadyForQuery, counted as it was read, made the Flush give the server back;
        // the client's next query then waited for a server, a cancel ended that wait, and pgway's answer to
        // it went beside the write still under way: the client's stream was cut (or its messages mixed).
        // From PostgreSQL, the client reads its whole answer, then the next one.
        var letGo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // One read of pgway's holds the whole answer, ReadyForQuery and all; many times what the two socket buffers take.
        var large = new string('x', 14_000);
        backend = ScriptedBackend.Start(Cluster.Primary.Address, async (connection, query) =>
        {
            if (query == "SELECT 'large'")
            {
                await connection.SendAsync([.. ScriptedConnection.Row(large), .. ScriptedConnection.Completed("SELECT 1")]);
                return;
            }
            if (query == "SELECT 'held'")
            {
                await letGo.Task.WaitAsync(Bound);
            }
            await connection.SendAsync(ScriptedConnection.Completed("SELECT 0"));
        });
        Start("transaction");
        using var slow = await WireClient.LogInReadingLittleAsync(Running!.LocalEndPoint, PoolerHarness.User, PoolerHarness.Database, Bound);
        InProcessPeerSocket.LeastSendBuffer(Running.LocalEndPoint, slow.LocalEndPoint);
        using var other = await LogInAsync();

        await slow.SendAsync(WireClient.Query("SELECT 'large'"));
        // pgway has read the answer and written what the sockets took: the rest waits for room.
        await Eventually.HoldsAsync(() => slow.Available > 0, Bound);
        await slow.SendAsync(WireClient.Flush());
        await Eventually.HoldsAsync(() => backend.Messages.Contains('H'), Bound);
        await other.SendAsync(WireClient.Query("SELECT 'held'"));
        await Eventually.HoldsAsync(async () => (await Running.ClientsAsync()).Any(c => IsFrom(c, other) && (c.Waiting || c.Server is not null)), Bound);
        await slow.SendAsync(WireClient.Query("SELECT 'next'"));
        await Eventually.HoldsAsync(async () => backend.Queries.Contains("SELECT 'next'")
            || (await Running.ClientsAsync()).Any(c => IsFrom(c, slow) && c.Waiting), Bound);
        await slow.CancelAsync(Running.LocalEndPoint);

        var first = await slow.ReadUntilReadyAsync();
        Assert.Empty(first.Errors);
        Assert.Equal([large], first.Rows);
        var next = await slow.ReadUntilReadyAsync();
        // Answered, or cancelled as PostgreSQL may cancel it: the cancel came while it was the client's request.
        Assert.True(next.Errors is [] or [SqlState.QueryCanceled], next.ToString());
        Assert.Equal('I', next.Status);
        letGo.SetResult();
        Assert.Empty((await other.ReadUntilReadyAsync()).Errors);
        Assert.Equal(1, backend.LogIns);
    }

    [Fact]
    public async Task PoolService_ServerLostWhileTheAnswerWaitsForRoom_TheClientReadsItWholeThenTheLostRequestsError()
    {
        // A dest: pool service's client was not reading the end of its answer when its server died. The
        // client's next query, sent to the dead server, failed there first: pgway's error for the lost
        // request went beside the answer's write still under way, and the client's stream was cut (or its
        // messages mixed). The client must read its whole answer, then the lost request's error.
        var serverReset = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        var large = new string('x', 14_000);
        backend = ScriptedBackend.Start(Cluster.Primary.Address, async (connection, query) =>
        {
            if (query == "SELECT 'large'")
            {
                await connection.SendAsync([.. ScriptedConnection.Row(large), .. ScriptedConnection.Completed("SELECT 1")]);
                connection.Reset();
                serverReset.SetResult(connection.Peer);
                return;
            }
            await connection.SendAsync(ScriptedConnection.Completed("SELECT 0"));
        });
        StartPoolService();
        using var slow = await WireClient.LogInReadingLittleAsync(Running!.LocalEndPoint, PoolerHarness.User, PoolerHarness.Database, Bound);
        InProcessPeerSocket.LeastSendBuffer(Running.LocalEndPoint, slow.LocalEndPoint);

        await slow.SendAsync(WireClient.Query("SELECT 'large'"));
        await Eventually.HoldsAsync(() => slow.Available > 0, Bound);
        var pgwaysEnd = await serverReset.Task.WaitAsync(Bound);
        await Eventually.HoldsAsync(() => InProcessPeerSocket.Closed(pgwaysEnd, new IPEndPoint(Cluster.Primary.Address, backend.Port)), Bound);
        await slow.SendAsync(WireClient.Query("SELECT 'lost'"));

        var first = await slow.ReadUntilReadyAsync();
        Assert.Empty(first.Errors);
        Assert.Equal([large], first.Rows);
        var lost = await slow.ReadUntilReadyAsync();
        Assert.Equal([SqlState.TransactionResolutionUnknown], lost.Errors);
        Assert.Equal('I', lost.Status);
        await slow.SendAsync(WireClient.Query("SELECT 'after'"));
        var after = await slow.ReadUntilReadyAsync();
        Assert.Empty(after.Errors);
        Assert.Equal(2, backend.LogIns);
    }

    // A dest: pool service of one server per pool on the scripted backend, transaction mode.
    private void StartPoolService()
    {
        var inventory = InventoryLoader.LoadText(Cluster.ToInventoryYaml([
            new("pg_users", $"[{{name: {PoolerHarness.User}, password: '{Cluster.Credentials.PasswordFor(PoolerHarness.User)}', pgbouncer: true}}]"),
            new("pg_services", "[{name: pooled, port: 5499, dest: pool, selector: '[]'}]"),
            new("pgbouncer_poolmode", "transaction"), new("pgbouncer_default_pool_size", "1"), new("pgbouncer_reserve_pool_size", "0"),
            new("pgbouncer_auth_type", "trust"), new("pgbouncer_query_wait_timeout", "20"),
        ]), "scripted.yml");
        Assert.False(inventory.HasErrors, string.Join('\n', inventory.Errors));
        var cluster = inventory.Topology!.Clusters.Single();
        var primary = cluster.Instances.Single(i => i.Address == Cluster.Primary.Address.ToString());
        var options = PoolerSetup.ForService(cluster, cluster.Services.Single(s => s.Name == "pooled"), primary,
            new FixedServerTarget(new IPEndPoint(Cluster.Primary.Address, backend!.Port)), "scripted.yml");
        Running = Pooler.Start(options with { Listen = new IPEndPoint(Cluster.Primary.Address, 0) }, TimeProvider.System, NullLogger.Instance);
    }

    private static bool IsFrom(ClientSnapshot client, WireClient wire) => client.Remote?.Port == wire.LocalEndPoint.Port;
}
