using Pgway.Differential.Model;
using Pgway.Differential.Wire;
using Pgway.IntegrationTests.Testing;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Differential;

/// <summary>
/// Syncs a client sends inside a COPY FROM STDIN. PostgreSQL ignores those the COPY reads; when the
/// COPY fails before it reads one (a bad row earlier, a trigger before any row), it answers that one
/// with a ReadyForQuery. pgway took every such Sync as read, so an answer came that it did not
/// expect: it was taken for the answer to the client's next request, the server went back to the
/// pool while that request still ran, and the next client received the first one's rows. Two COPYs in
/// one Query also ended the second COPY at the first's CopyDone, so the second's Sync was awaited for
/// ever and the server stayed pinned. Run directly and through every pooled path, on a pool of one.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class CopyFailedSyncDifferentialTests(PgTestClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task SimpleCopy_SyncAfterTheBadRow_AnsweredAndTheNextQueryStaysTheClients()
    {
        await RunAsync(
        [
            new(0,
            [
                Frontend.Query("COPY c (id, v) FROM STDIN"),
                Frontend.CopyData("x\tbad\n"),
                // The COPY failed at the row before it read this Sync: PostgreSQL answers it.
                Frontend.Sync(),
                Frontend.CopyDone(),
                Frontend.Query("SELECT pg_sleep(0.3), 'c1' AS who"),
            ], SplitSeed: 0, ReadAfter: false),
            new(1, [Frontend.Query("SELECT 'c2' AS who")], SplitSeed: 0),
            new(0, [Frontend.Query("SELECT 'c1 again' AS who")], SplitSeed: 0),
            new(1, [Frontend.Query("SELECT 'c2 again' AS who")], SplitSeed: 0),
        ]);
    }

    [Fact]
    public async Task SimpleCopy_SyncAfterTheBadRowAndNothingAfter_AnsweredThenServerLent()
    {
        await RunAsync(
        [
            new(0, [Frontend.Query("COPY c (id, v) FROM STDIN"), Frontend.CopyData("x\tbad\n"), Frontend.Sync(), Frontend.Sync(), Frontend.CopyFail("gave up")], SplitSeed: 3),
            new(1, [Frontend.Query("SELECT 'c2' AS who")], SplitSeed: 0),
            new(0, [Frontend.Query("SELECT 'c1' AS who")], SplitSeed: 0),
        ]);
    }

    [Fact]
    public async Task ExtendedCopy_SyncBeforeTheDataReadSyncAfterTheBadRowAnswered_ServerLentInStep()
    {
        // libpq's shape (a Sync right after the Execute, the COPY's to ignore, and one after CopyDone),
        // with one more Sync after the bad row, which PostgreSQL answers, as it ends skipping to a Sync.
        await RunAsync(
        [
            new(0,
            [
                Frontend.Parse("", "COPY c (id, v) FROM STDIN"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync(answered: false),
                Frontend.CopyData("x\tbad\n"), Frontend.Sync(), Frontend.CopyDone(), Frontend.Sync(),
            ], SplitSeed: 0),
            new(1, [Frontend.Query("SELECT 'c2' AS who")], SplitSeed: 0),
            new(0, [Frontend.Parse("", "SELECT 'c1' AS who"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync()], SplitSeed: 0),
            new(1, [Frontend.Query("SELECT 'c2 again' AS who")], SplitSeed: 0),
        ]);
    }

    [Fact]
    public async Task ExtendedCopy_LibpqShapeBadRow_SyncReadByTheCopy()
    {
        // The common case must stay as it was: the bad row is read after the Sync, which the COPY ignored.
        await RunAsync(
        [
            new(0,
            [
                Frontend.Parse("", "COPY c (id, v) FROM STDIN"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync(answered: false),
                Frontend.CopyData("1\tone\n"), Frontend.CopyData("x\tbad\n"), Frontend.CopyDone(), Frontend.Sync(),
            ], SplitSeed: 5),
            new(1, [Frontend.Query("SELECT 'c2' AS who")], SplitSeed: 0),
            new(0, [Frontend.Query("SELECT count(*) FROM c")], SplitSeed: 0),
        ]);
    }

    [Fact]
    public async Task TwoCopiesInOneQuery_SyncInsideTheSecond_IgnoredAndServerLent()
    {
        await RunAsync(
        [
            new(0,
            [
                Frontend.Query("COPY c (id, v) FROM STDIN; COPY c (id, v) FROM STDIN"),
                Frontend.CopyData("1\tone\n"), Frontend.CopyDone(),
                Frontend.CopyData("2\ttwo\n"), Frontend.Sync(answered: false), Frontend.CopyDone(),
            ], SplitSeed: 0),
            new(1, [Frontend.Query("SELECT count(*) FROM c")], SplitSeed: 0),
            new(0, [Frontend.Query("SELECT id, v FROM c ORDER BY id")], SplitSeed: 0),
        ]);
    }

    [Fact]
    public async Task SessionMode_SyncAfterTheBadRowThenTerminate_TheNextClientGetsACleanServer()
    {
        // The COPY's Sync is answered after its Query's ReadyForQuery: pgway took that ReadyForQuery
        // for one no request awaited and ended the session (or, read after the client left, the
        // session's reset took it for DISCARD ALL's answer and lent the server on).
        for (var round = 0; round < 5; round++)
        {
            await FixedConversations.AssertNoDivergenceAsync(fixture.Cluster,
                new Conversation(1, ConversationProfile.Session, PoolSize: 1, [FixedConversations.Client(0), FixedConversations.Client(1)],
                [
                    new(0, [Frontend.Query("COPY c (id, v) FROM STDIN"), Frontend.CopyData("x\tbad\n"), Frontend.Sync(), Frontend.CopyDone()], SplitSeed: 0),
                    new(0, [Frontend.Terminate()], SplitSeed: 0),
                    new(1, [Frontend.Query("SELECT 'c2' AS who")], SplitSeed: 0, AfterOthers: true),
                    new(1, [Frontend.Query("SELECT 'c2 again' AS who")], SplitSeed: 0),
                ]), output);
        }
    }

    [Fact]
    public async Task SessionMode_ExtendedCopySyncsThenTerminateAsThePoolerStops_ServerClosedWithTheClientsLock()
    {
        // The client's Terminate came as its pooler stopped: pgway's empty Query, to settle the Syncs
        // inside the failed COPY, gave up at once (pgway stopping) and took the session's pump with it,
        // while the Terminate waited for that pump for ever. The session never ended, and its server,
        // neither reset nor closed, kept the client's advisory lock: the next path's client waited for
        // it (seed 46001382, where the L4 service ran next).
        await FixedConversations.AssertNoDivergenceAsync(fixture.Cluster,
            new Conversation(1, ConversationProfile.Session, PoolSize: 1, [FixedConversations.Client(0)],
            [
                new(0, [Frontend.Query("SELECT pg_advisory_lock(1000)")], SplitSeed: 0),
                new(0,
                [
                    Frontend.Parse("", "COPY c (id, v) FROM STDIN"), Frontend.Bind("", "", []), Frontend.Execute(""),
                    Frontend.CopyData("103\tv0\n"), Frontend.Sync(answered: false), Frontend.CopyData("104\tv1\n"), Frontend.Sync(answered: false),
                    Frontend.CopyData("not a number\tv\n"), Frontend.CopyDone(), Frontend.Sync(),
                ], SplitSeed: 0),
            ]), output, rounds: 2);
    }

    [Fact]
    public async Task SimpleCopy_SyncAfterTheBadRowThenAClose_CloseCompleteAfterTheSyncsAnswer()
    {
        // pgway answered a client's Close of a statement itself: its CloseComplete went out before the
        // ReadyForQuery PostgreSQL sends for the Sync after the bad row (seed 46009336). The Close now
        // goes to the server (as a Close of a name no statement has), which answers in order.
        await RunAsync(
        [
            new(0, [Frontend.Query("COPY c (id, v) FROM STDIN"), Frontend.CopyData("not a number\tv\n"), Frontend.Sync()], SplitSeed: 0, ReadAfter: false),
            new(0, [Frontend.Close('S', "s1"), Frontend.Flush()], SplitSeed: 0, ReadAfter: false),
            new(1, [Frontend.Query("SELECT 'c2' AS who")], SplitSeed: 0),
            new(0, [Frontend.Query("SELECT 'c1' AS who")], SplitSeed: 0),
        ]);
    }

    [Fact]
    public async Task SimpleCopy_SyncAfterTheBadRowThenACloseAndABatch_CloseCompleteInItsPlace()
    {
        // No CopyDone ever comes: the batch's Sync after the Close was taken as one the COPY reads, and
        // its ReadyForQuery then as one nothing awaited (the session ended as out of step).
        await RunAsync(
        [
            new(0, [Frontend.Query("COPY c (id, v) FROM STDIN"), Frontend.CopyData("101\tv0\n"), Frontend.CopyData("not a number\tv\n"), Frontend.Sync()], SplitSeed: 0, ReadAfter: false),
            new(0,
            [
                Frontend.Close('S', "s1"), Frontend.Flush(),
                Frontend.Parse("", "SELECT * FROM no_such_table"), Frontend.Bind("", "", []), Frontend.Execute(""),
                Frontend.Parse("", "SELECT id, a, b FROM t ORDER BY id"), Frontend.Bind("", "", []), Frontend.Execute(""), Frontend.Sync(),
            ], SplitSeed: 0, ReadAfter: false),
            new(1, [Frontend.Query("SELECT 'c2' AS who")], SplitSeed: 0),
            new(0, [Frontend.Query("SELECT 'c1' AS who")], SplitSeed: 0),
        ]);
    }

    [Fact]
    public async Task ExtendedCopy_SyncsReadThenAClose_CloseCompleteComes()
    {
        // The Syncs inside this COPY were read by it: no answer of theirs comes, and the Close's
        // CloseComplete must not wait for one.
        await RunAsync(
        [
            new(0,
            [
                Frontend.Parse("", "COPY c (id, v) FROM STDIN"), Frontend.Bind("", "", []), Frontend.Execute(""),
                Frontend.CopyData("103\tv0\n"), Frontend.Sync(answered: false), Frontend.CopyData("not a number\tv\n"), Frontend.CopyDone(), Frontend.Sync(),
            ], SplitSeed: 0),
            new(0, [Frontend.Close('S', "s1"), Frontend.Flush()], SplitSeed: 0),
            new(0, [Frontend.Sync()], SplitSeed: 0),
            new(1, [Frontend.Query("SELECT 'c2' AS who")], SplitSeed: 0),
        ]);
    }

    private Task RunAsync(IReadOnlyList<ConversationStep> steps) =>
        FixedConversations.AssertNoDivergenceAsync(fixture.Cluster,
            new Conversation(1, ConversationProfile.Transaction, PoolSize: 1, [FixedConversations.Client(0), FixedConversations.Client(1)], steps), output);
}
