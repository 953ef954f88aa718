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

    // Ordinary SQL around the words: full of their first letters ("SELECT", "abalance", "accounts")
    // and of near misses ("encode", "direct", "role", "resetting", "abstract"), at every offset, so
    // that each word lands in every place of the sixteen the scan looks at together, and at the end.
    public static TheoryData<string, bool, string?, bool> Placed => new()
    {
        // word, RESET ALL, the one name RESET names, a word that may end a block
        { "RESET ALL", true, null, false },
        { "RESET search_path", false, "search_path", false },
        { "reset \"TimeZone\"", false, "TimeZone", false },
        { "DISCARD ALL", false, null, false },
        { "COMMIT", false, null, true },
        { "end", false, null, true },
        { "RollBack", false, null, true },
        { "ABORT", false, null, true },
        { "SELECT 1", false, null, false },
    };

    [Theory]
    [MemberData(nameof(Placed))]
    public void Body_WordAtEveryOffsetOfLongText_ReadTheSameWholeOrCut(string word, bool all, string? name, bool transactionEnd)
    {
        const string filler = "SELECT abalance, encode(x) FROM pgbench_accounts a WHERE aid = $1 AND role <> 'direct' OR resetting OR abstract ";
        var resetOrDiscard = all || name is not null || word.StartsWith("DISCARD", StringComparison.Ordinal);
        for (var offset = 0; offset <= 40; offset++)
        {
            foreach (var tail in new[] { "", ";", "; SELECT abalance FROM pgbench_accounts WHERE aid = $1" })
            {
                var text = System.Text.Encoding.UTF8.GetBytes(filler[..offset] + (offset > 0 && filler[offset - 1] != ' ' ? " " : "") + word + tail);
                foreach (var cut in new[] { text.Length, 1, 7, 16, 17, text.Length / 2, text.Length - 1 })
                {
                    var words = new StatementWords();
                    var at = Math.Clamp(cut, 0, text.Length);
                    words.Body(text.AsSpan(0, at), last: at == text.Length);
                    if (at < text.Length)
                    {
                        words.Body(text.AsSpan(at), last: true);
                    }
                    var where = $"\"{System.Text.Encoding.UTF8.GetString(text)}\" cut at {at}";
                    var (seenReset, seenEnd) = words.TakeRead();
                    var (seenAll, names) = words.TakeResetNames();
                    Assert.True(resetOrDiscard == seenReset, where);
                    Assert.True(transactionEnd == seenEnd, where);
                    Assert.True(all == seenAll, where);
                    Assert.True(name == names?.Single(), where);
                }
            }
        }
    }

    [Fact]
    public void Body_WordsInsideLongerWordsAndNames_AreReadAsBefore()
    {
        // A block-ending word counts even inside another word (a guess that errs towards "may have
        // ended"); RESET and DISCARD count only as words of their own.
        var words = new StatementWords();
        words.Body("SELECT x.reset_count, my_discard, preset FROM t WHERE name = 'weekend' AND abc = 1 AND coded"u8, last: true);
        Assert.Equal((false, true), words.TakeRead());
        Assert.Equal((false, null), words.TakeResetNames());
    }

    private static byte[] Messages(Action<ArrayBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
