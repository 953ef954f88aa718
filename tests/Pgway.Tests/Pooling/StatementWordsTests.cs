using System.Buffers;
using Pgway.Pooling;
using Pgway.Protocol;

namespace Pgway.Tests.Pooling;

/// <summary>
/// The words pooling reads in a client's SQL (RESET and its name, DISCARD, the words that may end a
/// block), read the same whichever byte the client's writes are cut at.
/// </summary>
public sealed class StatementWordsTests
{
    public static TheoryData<string, bool, string?, bool> Texts => new()
    {
        // text, RESET ALL, the one name RESET names, a word that may end a block
        { "RESET ALL", true, null, false },
        { "reset search_path", false, "search_path", false },
        { "SELECT 1; ReSeT\t\"TimeZone\"; SELECT 2", false, "TimeZone", false },
        { "RESET   DateStyle;COMMIT", false, "DateStyle", true },
        { "SELECT 'x' AS unreset", false, null, false },
        { "ROLLBACK", false, null, true },
        { "end", false, null, true },
        { "DISCARD ALL", false, null, false },
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Body_CutAtEveryByte_ReadsTheSameWords(string text, bool all, string? name, bool transactionEnd)
    {
        var bytes = Messages(w => FrontendMessages.Query(w, text));
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            for (var second = cut; second <= bytes.Length; second += 3)
            {
                var traffic = new ClientTraffic();
                Assert.Null(traffic.Scan(bytes.AsSpan(0, cut)));
                Assert.Null(traffic.Scan(bytes.AsSpan(cut, second - cut)));
                Assert.Null(traffic.Scan(bytes.AsSpan(second)));

                var (resetOrDiscard, end) = traffic.Words.TakeRead();
                var (resetAll, names) = traffic.Words.TakeResetNames();
                var where = $"cut at {cut} and {second}";
                Assert.True(all == resetAll, where);
                Assert.True(name == names?.Single(), where);
                Assert.True(transactionEnd == end, where);
                Assert.True(resetOrDiscard == (all || name is not null || text.StartsWith("DISCARD", StringComparison.Ordinal)), where);
            }
        }
    }

    [Fact]
    public void Body_ParseText_IsRead()
    {
        var traffic = new ClientTraffic();
        traffic.Scan(Messages(w => FrontendMessages.Parse(w, "s1", "RESET extra_float_digits")));
        Assert.Equal("extra_float_digits", traffic.Words.TakeResetNames().Names?.Single());
    }

    [Fact]
    public void Body_BindValuesAndCopyData_AreNotSql()
    {
        var traffic = new ClientTraffic();
        traffic.Scan(Messages(w =>
        {
            w.Write<byte>([(byte)'d', 0, 0, 0, 19, .. "RESET TimeZone;\n"u8.ToArray()[..15]]);
        }));
        Assert.False(traffic.Words.TakeRead().ResetOrDiscard);
        Assert.Null(traffic.Words.TakeResetNames().Names);
    }

    [Fact]
    public void Body_ANameLongerThanAnyInEveryPiece_IsDroppedNotKeptForever()
    {
        var words = new StatementWords();
        words.Body("SELECT 1; RESET "u8, last: false);
        for (var i = 0; i < 10; i++)
        {
            words.Body("abcdefghijklmnopqrstuvwxyz"u8, last: false);
        }
        words.Body(" ; RESET TimeZone"u8, last: true);
        Assert.Equal("TimeZone", words.TakeResetNames().Names?.Single());
    }

    [Fact]
    public void TakeRead_ForgetsWhatWasSeen()
    {
        var words = new StatementWords();
        words.Body("ROLLBACK; RESET ALL"u8, last: true);
        Assert.Equal((true, true), words.TakeRead());
        Assert.Equal((false, false), words.TakeRead());
    }

    private static byte[] Messages(Action<ArrayBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
