using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Text;

namespace Pgway.Pooling;

/// <summary>
/// The words in a client's SQL (the texts of its Query and Parse messages) that pooling must notice:
/// RESET with the setting it names, DISCARD, and the words that may end a transaction block. Fed the
/// bodies piece by piece as they go by, so a word or a name cut between two reads is still read
/// whole: the unfinished tail of one piece is kept and read again with the next.
/// </summary>
internal sealed class StatementWords
{
    // The longest text one match needs: "reset", a few blanks, a quoted name of NAMEDATALEN-1 bytes.
    private const int MaxCarry = 96;

    private static readonly SearchValues<byte> FirstLetters = SearchValues.Create("rRdDcCeEaA"u8);

    private readonly byte[] carry = new byte[MaxCarry];
    private int carried;
    // The byte before the next piece (or before the carried bytes): a word must not start mid-name.
    private byte before;
    private bool inBody;

    /// <summary>The body read last (or being read) holds a RESET or DISCARD.</summary>
    public bool BodyHasReset { get; private set; }

    /// <summary>A RESET or DISCARD went by since <see cref="TakeRead"/>.</summary>
    public bool ResetOrDiscard { get; private set; }

    /// <summary>COMMIT, END, ROLLBACK or ABORT appeared (anywhere, even inside a longer word: a guess that errs towards "may have ended") since <see cref="TakeRead"/>.</summary>
    public bool TransactionEnd { get; private set; }

    /// <summary>A RESET ALL went by since <see cref="TakeResetNames"/>.</summary>
    public bool ResetAll { get; private set; }

    /// <summary>The settings RESET named since <see cref="TakeResetNames"/>.</summary>
    public HashSet<string>? ResetNames { get; private set; }

    /// <summary>What the last reads held; forgotten for the next.</summary>
    public (bool ResetOrDiscard, bool TransactionEnd) TakeRead()
    {
        var seen = (ResetOrDiscard, TransactionEnd);
        (ResetOrDiscard, TransactionEnd) = (false, false);
        return seen;
    }

    /// <summary>The settings RESET named (and whether it said ALL); forgotten for the next.</summary>
    public (bool All, HashSet<string>? Names) TakeResetNames()
    {
        var named = (ResetAll, ResetNames);
        (ResetAll, ResetNames) = (false, null);
        return named;
    }

    /// <summary>A piece of a Query's or Parse's body; <paramref name="last"/> on its final piece.</summary>
    public void Body(ReadOnlySpan<byte> part, bool last)
    {
        if (!inBody)
        {
            (inBody, BodyHasReset) = (true, false);
        }
        if (carried > 0 && part.Length <= MaxCarry)
        {
            Span<byte> joint = stackalloc byte[MaxCarry * 2];
            carry.AsSpan(0, carried).CopyTo(joint);
            part.CopyTo(joint[carried..]);
            var length = carried + part.Length;
            carried = 0;
            Scan(joint[..length], last);
        }
        else
        {
            if (carried > 0)
            {
                // Matches that start in the kept tail, read with enough of this piece to finish them.
                Span<byte> joint = stackalloc byte[MaxCarry * 2];
                carry.AsSpan(0, carried).CopyTo(joint);
                part[..MaxCarry].CopyTo(joint[carried..]);
                ScanStarts(joint[..(carried + MaxCarry)], carried, final: false);
                before = carry[carried - 1];
                carried = 0;
            }
            Scan(part, last);
        }
        if (last)
        {
            carried = 0;
            before = 0;
            inBody = false;
        }
    }

    private void Scan(ReadOnlySpan<byte> text, bool last)
    {
        var unfinished = ScanStarts(text, text.Length, final: last);
        if (unfinished >= 0 && text.Length - unfinished <= MaxCarry)
        {
            before = unfinished > 0 ? text[unfinished - 1] : before;
            text[unfinished..].CopyTo(carry);
            carried = text.Length - unfinished;
        }
        else if (text.Length > 0)
        {
            before = text[^1];
        }
    }

    // Reads every match starting before `limit`; the first one the text ends too early to decide
    // (only when more text is to come) stops the scan and is returned, else -1.
    private int ScanStarts(ReadOnlySpan<byte> text, int limit, bool final)
    {
        var i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            // Sixteen places at a time, looked at closely only where a word's first two letters
            // stand: ordinary SQL has its first letters everywhere ("SELECT", "account"), the pairs
            // rarely. A place whose second letter is past the text's end is left to the loop below.
            for (; i < limit && i + Vector128<byte>.Count < text.Length; i += Vector128<byte>.Count)
            {
                var candidates = PairsAt(text, i);
                while (candidates != 0)
                {
                    var at = i + BitOperations.TrailingZeroCount(candidates);
                    candidates &= candidates - 1;
                    if (at >= limit)
                    {
                        return -1;
                    }
                    if (Match(text, at, at > 0 ? text[at - 1] : before, final) == MatchOutcome.Unfinished)
                    {
                        return at;
                    }
                }
            }
        }
        while (i < limit)
        {
            var next = text[i..limit].IndexOfAny(FirstLetters);
            if (next < 0)
            {
                return -1;
            }
            i += next;
            var outcome = Match(text, i, i > 0 ? text[i - 1] : before, final);
            if (outcome == MatchOutcome.Unfinished)
            {
                return i;
            }
            i++;
        }
        return -1;
    }

    // A bit for each of the 16 places from `at` where two letters (in any case) begin one of the
    // words Match reads: co(mmit), en(d), ab(ort), di(scard), ro(llback), re(set). Needs text[at + 16].
    private static uint PairsAt(ReadOnlySpan<byte> text, int at)
    {
        var caseless = Vector128.Create((byte)0x20);
        var first = Vector128.Create(text.Slice(at, Vector128<byte>.Count)) | caseless;
        var second = Vector128.Create(text.Slice(at + 1, Vector128<byte>.Count)) | caseless;
        var pairs = (Vector128.Equals(first, Vector128.Create((byte)'c')) & Vector128.Equals(second, Vector128.Create((byte)'o')))
            | (Vector128.Equals(first, Vector128.Create((byte)'e')) & Vector128.Equals(second, Vector128.Create((byte)'n')))
            | (Vector128.Equals(first, Vector128.Create((byte)'a')) & Vector128.Equals(second, Vector128.Create((byte)'b')))
            | (Vector128.Equals(first, Vector128.Create((byte)'d')) & Vector128.Equals(second, Vector128.Create((byte)'i')))
            | (Vector128.Equals(first, Vector128.Create((byte)'r')) & (Vector128.Equals(second, Vector128.Create((byte)'o')) | Vector128.Equals(second, Vector128.Create((byte)'e'))));
        return pairs.ExtractMostSignificantBits();
    }

    private enum MatchOutcome
    {
        None,
        Found,
        Unfinished,
    }

    private MatchOutcome Match(ReadOnlySpan<byte> text, int at, byte previous, bool final)
    {
        var rest = text[at..];
        switch (rest[0] | 0x20)
        {
            case 'c':
                return Word(rest, "commit"u8, final, transactionEnd: true);
            case 'e':
                return Word(rest, "end"u8, final, transactionEnd: true);
            case 'a':
                return Word(rest, "abort"u8, final, transactionEnd: true);
            case 'd':
                return IsNamePart(previous) ? MatchOutcome.None : Keyword(rest, "discard"u8, final, out _) switch
                {
                    MatchOutcome.Found => Found(reset: true),
                    var other => other,
                };
            default:
                var rollback = Word(rest, "rollback"u8, final, transactionEnd: true);
                return rollback == MatchOutcome.Unfinished || IsNamePart(previous) ? rollback : Reset(rest, final);
        }
    }

    // A transaction-ending word anywhere (no word boundaries: a guess that errs towards "may have ended").
    private MatchOutcome Word(ReadOnlySpan<byte> rest, ReadOnlySpan<byte> lowerWord, bool final, bool transactionEnd)
    {
        var common = Math.Min(rest.Length, lowerWord.Length);
        for (var i = 0; i < common; i++)
        {
            if ((rest[i] | 0x20) != lowerWord[i])
            {
                return MatchOutcome.None;
            }
        }
        if (common < lowerWord.Length)
        {
            return final ? MatchOutcome.None : MatchOutcome.Unfinished;
        }
        TransactionEnd |= transactionEnd;
        return MatchOutcome.Found;
    }

    // A keyword as a whole word: its letters, then a byte that is no part of a name.
    private static MatchOutcome Keyword(ReadOnlySpan<byte> rest, ReadOnlySpan<byte> lowerWord, bool final, out int length)
    {
        length = lowerWord.Length;
        var common = Math.Min(rest.Length, lowerWord.Length);
        for (var i = 0; i < common; i++)
        {
            if ((rest[i] | 0x20) != lowerWord[i])
            {
                return MatchOutcome.None;
            }
        }
        if (rest.Length <= lowerWord.Length)
        {
            return final && rest.Length == lowerWord.Length ? MatchOutcome.Found : final ? MatchOutcome.None : MatchOutcome.Unfinished;
        }
        return IsNamePart(rest[lowerWord.Length]) ? MatchOutcome.None : MatchOutcome.Found;
    }

    // RESET, blanks, and the setting's name (quoted or not): ALL, or the name to put back.
    private MatchOutcome Reset(ReadOnlySpan<byte> rest, bool final)
    {
        var keyword = Keyword(rest, "reset"u8, final, out var start);
        if (keyword != MatchOutcome.Found)
        {
            return keyword;
        }
        if (start == rest.Length || !IsSpace(rest[start]))
        {
            return start == rest.Length && !final ? MatchOutcome.Unfinished : MatchOutcome.None;
        }
        while (start < rest.Length && IsSpace(rest[start]))
        {
            start++;
        }
        var quoted = start < rest.Length && rest[start] == '"';
        var end = quoted ? start + 1 : start;
        while (end < rest.Length && (quoted ? rest[end] != '"' : IsNamePart(rest[end])))
        {
            end++;
        }
        if (end == rest.Length && !final)
        {
            return MatchOutcome.Unfinished;
        }
        var name = Encoding.UTF8.GetString(rest[(quoted ? start + 1 : start)..end]);
        if (!quoted && name.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            ResetAll = true;
        }
        else if (name.Length > 0)
        {
            (ResetNames ??= new(StringComparer.OrdinalIgnoreCase)).Add(name);
        }
        return Found(reset: true);
    }

    private MatchOutcome Found(bool reset)
    {
        ResetOrDiscard |= reset;
        BodyHasReset |= reset;
        return MatchOutcome.Found;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    private static bool IsNamePart(byte b) => b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'_' or (byte)'.';
}
