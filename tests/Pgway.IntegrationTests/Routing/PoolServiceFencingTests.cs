using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Pgway.Configuration;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.IntegrationTests.Pooling;
using Pgway.IntegrationTests.Testing;
using Pgway.Routing;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Routing;

/// <summary>
/// A <c>dest: pool</c> service (transaction mode, a pool of one server) whose only member is fenced
/// while its pooled client is in each state a conversation can be in, a second client waiting for the
/// server: the holder goes on (its transaction lost, answered with 08006/08007) or is told with a FATAL
/// why its session ends, never closed bare; the waiting client is served once the member is back.
/// </summary>
public sealed class PoolServiceFencingTests : FreshPgTestClusterPerTest
{
    public PoolServiceFencingTests()
        : base(PgTestClusterOptions.PrimaryAndReplica)
    {
    }

    private const int Port = 5443;
    private const string Holder = "fence-holder";
    private const string Waiter = "fence-waiter";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private async Task<GatewayHost> StartAsync()
    {
        var replica = Cluster.Instance(2);
        var inventory = InventoryLoader.LoadText(Cluster.ToInventoryYaml([
            new("pg_monitor_password", $"'{Cluster.Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
            new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{Cluster.Credentials.PasswordFor(PgTestUsers.Meta)}', pgbouncer: true}}]"),
            new("pgbouncer_poolmode", "transaction"),
            new("pgbouncer_auth_type", "trust"),
            new("pgbouncer_default_pool_size", "1"),
            new("pgbouncer_query_wait_timeout", "120"),
            new("pg_default_services", $"[{{name: primary, port: {Port}, ip: '{replica.Address}', dest: pool, selector: '[]', check: /primary, " +
                "check_method: postgres, options: 'inter 500ms fastinter 200ms downinter 500ms rise 1 fall 1'}]"),
        ]), "pool-fencing.yml");
        Assert.False(inventory.HasErrors, string.Join('\n', inventory.Errors));
        // One loop: every session on it, so a test can hold it still and line events up.
        var options = new GatewayOptions([.. Cluster.Instances.Select(i => i.Address.ToString())], RunAgents: false,
            HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty) { RunPoolers = false, RunAdmin = false, LoopThreads = 1 };
        var host = await GatewayHost.StartAsync(inventory.Topology!, options, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None);
        await WaitForPrimaryAsync(host, up: true);
        return host;
    }

    private IPEndPoint EndPoint => new(Cluster.Instance(2).Address, Port);

    private Task<WireClient> LogInAsync(string name) =>
        WireClient.LogInAsync(EndPoint, PgTestUsers.Meta, PgTestUsers.TestDatabase, Bound, ("application_name", name));

    private async Task WaitForPrimaryAsync(GatewayHost host, bool up) =>
        await Eventually.HoldsAsync(() => host.Snapshot().Single().Members.All(m => m.Health?.LastResult is not null
                && m.IsUp == (up && m.Address == Cluster.Primary.Address.ToString())),
            Wait, () => string.Join("; ", host.Snapshot().Single().Members.Select(m => $"{m.Name} {m.Status}")));

    // The primary fails its check while it stays up and writable: the monitor user cannot log in.
    private async Task FailCheckAsync() => await Cluster.ExecuteNonQueryAsync(Cluster.Primary,
        $"ALTER ROLE {PgTestUsers.Monitor} NOLOGIN; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{PgTestUsers.Monitor}'");

    private async Task PassCheckAsync() => await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"ALTER ROLE {PgTestUsers.Monitor} LOGIN");

    // The fence has taken the holder's server (or ended its session).
    private static async Task WaitForHolderUnlinkedAsync(GatewayHost host) =>
        await Eventually.HoldsAsync(async () => (await host.PoolServices.Single().Pooler.ClientsAsync())
            .All(c => c.ApplicationName != Holder || c.Server is null), Wait);

    // A second client, asking while the holder has the pool's one server: it waits in the queue.
    private async Task<(WireClient Client, Task<Answer> Answer)> WaitBehindAsync(GatewayHost host, int waiting = 1)
    {
        var waiter = await LogInAsync(Waiter);
        await waiter.SendAsync(WireClient.Query($"SELECT '{Waiter}'"));
        await Eventually.HoldsAsync(async () => (await host.PoolServices.Single().Pooler.ClientsAsync()).Count(c => c.Waiting) == waiting, Wait);
        return (waiter, ReadAnswerAsync(waiter));
    }

    /// <summary>What came up to a ReadyForQuery, or up to the end of the connection.</summary>
    private sealed record Answer(List<(char Type, byte[] Body)> Messages, bool Closed)
    {
        public IEnumerable<string> Errors => Messages.Where(m => m.Type == 'E').Select(m => RawWireClient.Field(m.Body, 'C')!);

        public char Status => Messages[^1].Type == 'Z' ? (char)Messages[^1].Body[0] : '?';

        public override string ToString() => $"{string.Join(' ', Messages.Select(m => m.Type == 'E' ? $"E({RawWireClient.Describe(m.Body)})" : m.Type.ToString()))}{(Closed ? " <closed>" : "")}";
    }

    private static async Task<Answer> ReadAnswerAsync(WireClient client)
    {
        var messages = new List<(char, byte[])>();
        while (true)
        {
            if (await client.ReadMessageAsync() is not { } message)
            {
                return new Answer(messages, Closed: true);
            }
            messages.Add(message);
            if (message.Type == 'Z')
            {
                return new Answer(messages, Closed: false);
            }
        }
    }

    // Either answered in step, or told with a FATAL why the session ends: never a bare close.
    private static void AssertToldOrAnswered(Answer answer)
    {
        if (answer.Closed)
        {
            Assert.True(answer.Messages.Count > 0 && answer.Messages[^1].Type == 'E', $"closed without an ErrorResponse: {answer}");
            Assert.Equal("FATAL", RawWireClient.Field(answer.Messages[^1].Body, 'S'));
            Assert.StartsWith("08", RawWireClient.Field(answer.Messages[^1].Body, 'C'), StringComparison.Ordinal);
        }
    }

    // The waiting client is served once the member is back, on the same session.
    private async Task AssertWaiterServedAsync(GatewayHost host, WireClient waiter, Task<Answer> waited)
    {
        await PassCheckAsync();
        await WaitForPrimaryAsync(host, up: true);
        var answer = await waited.WaitAsync(Wait);
        Assert.False(answer.Closed, $"the waiting client: {answer}");
        Assert.Empty(answer.Errors);
        Assert.Equal('I', answer.Status);
        await waiter.SendAsync(WireClient.Query("SELECT 1"));
        Assert.Equal(["1"], (await waiter.ReadUntilReadyAsync()).Rows);
    }

    private static async Task AssertGoesOnAsync(WireClient holder)
    {
        await holder.SendAsync(WireClient.Query("SELECT 'after'"));
        var after = await holder.ReadUntilReadyAsync();
        Assert.Equal(["after"], after.Rows);
        Assert.Equal('I', after.Status);
    }

    // A client idle in a block (failed, or with a savepoint) when the fence closes its server: its next
    // request, whatever it is, is answered with the loss (08006) and the session goes on, idle.
    [Theory]
    [InlineData("BEGIN; SELECT 1/0", 'E', "SELECT 2")]
    [InlineData("BEGIN; SAVEPOINT sp; SELECT 1", 'T', "ROLLBACK TO SAVEPOINT sp")]
    public async Task Fenced_IdleInABlock_NextRequestAnsweredWithTheLossOnceWaiterServed(string block, char status, string next)
    {
        await using var host = await StartAsync();
        using var holder = await LogInAsync(Holder);
        await holder.SendAsync(WireClient.Query(block));
        Assert.Equal(status, (await holder.ReadUntilReadyAsync()).Status);
        var (waiter, waited) = await WaitBehindAsync(host);
        using var _ = waiter;
        try
        {
            await FailCheckAsync();
            await WaitForHolderUnlinkedAsync(host);

            await holder.SendAsync(WireClient.Query(next));
            var lost = await ReadAnswerAsync(holder);
            Assert.False(lost.Closed, lost.ToString());
            Assert.Equal(["08006"], lost.Errors);
            Assert.Equal('I', lost.Status);

            await AssertWaiterServedAsync(host, waiter, waited);
            await AssertGoesOnAsync(holder);
        }
        finally
        {
            await PassCheckAsync();
        }
    }

    [Fact]
    public async Task Fenced_MidExtendedBatch_SyncAfterTheFenceToldWithAFatal()
    {
        await using var host = await StartAsync();
        using var holder = await LogInAsync(Holder);
        await holder.SendAsync(WireClient.Query("BEGIN"));
        Assert.Equal('T', (await holder.ReadUntilReadyAsync()).Status);
        await holder.SendAsync(WireClient.Parse("", "SELECT 1"), WireClient.Bind(""));
        var (waiter, waited) = await WaitBehindAsync(host);
        using var _ = waiter;
        try
        {
            await FailCheckAsync();
            await WaitForHolderUnlinkedAsync(host);

            await holder.SendAsync(WireClient.Execute(), WireClient.Sync());
            var answer = await ReadAnswerAsync(holder);
            AssertToldOrAnswered(answer);
            Assert.NotEmpty(answer.Errors);

            await AssertWaiterServedAsync(host, waiter, waited);
        }
        finally
        {
            await PassCheckAsync();
        }
    }

    [Fact]
    public async Task Fenced_PipelinedRequestsUnanswered_EachAnsweredWithAnError()
    {
        await using var host = await StartAsync();
        using var holder = await LogInAsync(Holder);
        await holder.SendAsync(WireClient.Query("BEGIN"));
        Assert.Equal('T', (await holder.ReadUntilReadyAsync()).Status);
        // The first runs until the fence; the others wait behind it, unanswered.
        await holder.SendAsync(WireClient.Query("SELECT pg_sleep(60)"), WireClient.Query("SELECT 2"), WireClient.Query("COMMIT"));
        await Eventually.HoldsAsync(async () => await Cluster.ExecuteScalarAsync<long>(Cluster.Primary,
            $"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{Holder}' AND query = 'SELECT pg_sleep(60)' AND state = 'active'") == 1, Wait);
        var (waiter, waited) = await WaitBehindAsync(host);
        using var _ = waiter;
        try
        {
            await FailCheckAsync();
            await WaitForHolderUnlinkedAsync(host);

            for (var i = 0; i < 3; i++)
            {
                var answer = await ReadAnswerAsync(holder);
                Assert.False(answer.Closed, $"request {i}: {answer}");
                // The COMMIT among them may have committed: the outcome is unknown, not failed.
                Assert.Equal(["08007"], answer.Errors);
            }
            await AssertWaiterServedAsync(host, waiter, waited);
            await AssertGoesOnAsync(holder);
        }
        finally
        {
            await PassCheckAsync();
            await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{Holder}'");
        }
    }

    [Fact]
    public async Task Fenced_InCopyFromStdin_ToldWithAFatal()
    {
        await using var host = await StartAsync();
        using var holder = await LogInAsync(Holder);
        await holder.SendAsync(WireClient.Query("CREATE TABLE fence_copy (v text)"));
        Assert.Empty((await holder.ReadUntilReadyAsync()).Errors);
        await holder.SendAsync(WireClient.Query("COPY fence_copy FROM STDIN"), WireClient.CopyData("a\n"));
        Assert.Equal((char)'G', (await holder.ReadMessageAsync())!.Value.Type);
        var (waiter, waited) = await WaitBehindAsync(host);
        using var _ = waiter;
        try
        {
            await FailCheckAsync();
            await WaitForHolderUnlinkedAsync(host);

            await holder.SendAsync(WireClient.CopyData("b\n"), WireClient.CopyDone());
            var answer = await ReadAnswerAsync(holder);
            AssertToldOrAnswered(answer);
            Assert.NotEmpty(answer.Errors);

            await AssertWaiterServedAsync(host, waiter, waited);
        }
        finally
        {
            await PassCheckAsync();
        }
    }

    [Fact]
    public async Task Fenced_IdleOutsideATransaction_NextRequestWaitsForTheMemberAndIsServed()
    {
        await using var host = await StartAsync();
        using var idle = await LogInAsync(Holder);
        await idle.SendAsync(WireClient.Query("SELECT 1"));
        Assert.Equal('I', (await idle.ReadUntilReadyAsync()).Status);
        try
        {
            await FailCheckAsync();
            await WaitForPrimaryAsync(host, up: false);

            // Both ask while no member is up: one waits for a new server, the other in the queue behind it.
            await idle.SendAsync(WireClient.Query($"SELECT '{Holder}'"));
            var asked = ReadAnswerAsync(idle);
            var (waiter, waited) = await WaitBehindAsync(host, waiting: 2);
            using var _ = waiter;

            await AssertWaiterServedAsync(host, waiter, waited);
            var answer = await asked.WaitAsync(Wait);
            Assert.False(answer.Closed, answer.ToString());
            Assert.Empty(answer.Errors);
            Assert.Equal('I', answer.Status);
        }
        finally
        {
            await PassCheckAsync();
        }
    }

    // The race the differential tester met: the holder's next request is read on the loop after the
    // fence shut its server down but before the session saw that server's end. The loop is held
    // still while both happen, so that the request comes first.
    [Fact]
    public async Task Fenced_RequestReadBeforeTheServerEndIsSeen_AnsweredNotClosedBare()
    {
        await using var host = await StartAsync();
        using var holder = await LogInAsync(Holder);
        await holder.SendAsync(WireClient.Query("BEGIN; SELECT 1/0"));
        Assert.Equal('E', (await holder.ReadUntilReadyAsync()).Status);
        var (waiter, waited) = await WaitBehindAsync(host);
        using var _ = waiter;
        using var release = new ManualResetEventSlim();
        try
        {
            var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            host.Loops.Next().Post(() =>
            {
                held.SetResult();
                // Bounded: a failing test never leaves the loop stuck.
                release.Wait(Bound);
            });
            await held.Task.WaitAsync(Wait);
            await holder.SendAsync(WireClient.Query("SELECT 2"));
            await FailCheckAsync();
            await WaitForPrimaryAsync(host, up: false);
            release.Set();

            var lost = await ReadAnswerAsync(holder).WaitAsync(Wait);
            Assert.False(lost.Closed, lost.ToString());
            Assert.Equal(["08006"], lost.Errors);
            Assert.Equal('I', lost.Status);

            await AssertWaiterServedAsync(host, waiter, waited);
            await AssertGoesOnAsync(holder);
        }
        finally
        {
            release.Set();
            await PassCheckAsync();
        }
    }
}
