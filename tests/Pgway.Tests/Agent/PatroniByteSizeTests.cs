using Pgway.Agent;

namespace Pgway.Tests.Agent;

/// <summary>
/// <c>lag=</c> values read as Patroni's <c>parse_int(value, 'B')</c> reads them; every expected value
/// below is what Patroni 3.0.2's utils.py returns for the same text.
/// </summary>
public class PatroniByteSizeTests
{
    public static TheoryData<string?, long?> Sizes => new()
    {
        // Plain bytes and the 1024-based units.
        { "0", 0 },
        { "1024", 1024 },
        { "1B", 1 },
        { "16kB", 16 * 1024 },
        { "1MB", 1024 * 1024 },
        { "1GB", 1L << 30 },
        { "1TB", 1L << 40 },
        { "+16kB", 16 * 1024 },
        // Spaces between number and unit, and around the whole text.
        { "16 kB", 16 * 1024 },
        { "  16kB  ", 16 * 1024 },
        { "\t16kB\n", 16 * 1024 },
        { " 1 MB ", 1024 * 1024 },
        // strtol base 0: 0x hex, leading-zero octal; an 8 or 9 after a leading zero ends the number.
        { "0x10", 16 },
        { "+0x10", 16 },
        { "-0x10", -16 },
        { "0x10kB", 16 * 1024 },
        { "0x10 kB", 16 * 1024 },
        { "010", 8 },
        { "010kB", 8 * 1024 },
        { "00", 0 },
        { "-0", 0 },
        { "08", null },
        { "09", null },
        { "-08", null },
        { "0X10", null },
        { "0x", null },
        { "0x1g", null },
        // Fractions and exponents are re-read as a double.
        { "1.5MB", 1536 * 1024 },
        { "0.5kB", 512 },
        { "2.5kB", 2560 },
        { ".5kB", 512 },
        { "1e3", 1000 },
        { "1E3", 1000 },
        { "1.5e3", 1500 },
        { "1e3kB", 1000 * 1024 },
        { "1e-3kB", 1 },
        { "010.5", 10 },
        // Negative limits are kept (Patroni then calls almost every replica lagging).
        { "-1", -1 },
        { "-16kB", -16 * 1024 },
        // Rounding: to whole bytes for B and kB, to whole kB for MB, half to even (C's rint).
        { "1.0001kB", 1024 },
        { "1.0005kB", 1025 },
        { "0.0006kB", 1 },
        { "1.5", 2 },
        { "2.5", 2 },
        { "3.5", 4 },
        { "0.5B", 0 },
        { "1.5B", 2 },
        { "2.5B", 2 },
        { "1.00048828125MB", 1024 * 1024 },              // 1024.5 kB rounds down to 1024 kB
        { "1.00146484375MB", 1026 * 1024 },              // 1025.5 kB rounds up to 1026 kB
        // Units are case-sensitive, as in PostgreSQL.
        { "16kb", null },
        { "1mb", null },
        { "1Mb", null },
        { "1KB", null },
        { "1tb", null },
        { "1M", null },
        // Not a size at all.
        { "abc", null },
        { "kB", null },
        { "", null },
        { "   ", null },
        { "1 k B", null },
        { "1_000", null },
        { "1,5MB", null },
        { "1 e3", null },
        { "1.", null },
        { "1.kB", null },
        { "-.5kB", null },
        { "+.5kB", null },
        { "0x10.5", null },
        { "e5", null },
        { "1e", null },
        { "\uff11", null },  // a full-width digit is not [0-9]
        { null, null },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Parse_PatroniSyntax_BytesAsPatroni(string? text, long? expected)
    {
        Assert.Equal(expected, PatroniByteSize.Parse(text));
    }

    public static TheoryData<string, long> LargeSizes => new()
    {
        // Python's int is exact without a unit; with a unit Patroni computes in floating point.
        { "9007199254740993", 9007199254740993 },
        { "-9007199254740993", -9007199254740993 },
        { "0x20000000000001", 9007199254740993 },
        { "9223372036854775807", long.MaxValue },
        { "0x7fffffffffffffff", long.MaxValue },
        { "9007199254740993B", 9007199254740992 },
        { "9007199254740993.0", 9007199254740992 },
        { "8388607TB", 9223370937343148032 },
    };

    [Theory]
    [MemberData(nameof(LargeSizes))]
    public void Parse_LargeValues_ExactAsPatroni(string text, long expected)
    {
        Assert.Equal(expected, PatroniByteSize.Parse(text));
    }

    public static TheoryData<string, long> OutOfRange => new()
    {
        // Patroni keeps these as Python ints beyond 64 bits; saturating keeps their meaning:
        // an unreachable limit (no replica lags), or one every known leader position exceeds.
        { "9223372036854775808", long.MaxValue },
        { "99999999999999999999", long.MaxValue },
        { "1e20", long.MaxValue },
        { "8388608TB", long.MaxValue },
        { "-99999999999999999999", long.MinValue },
        { "-1e20", long.MinValue },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Parse_BeyondLong_SaturatesWithPatronisSign(string text, long expected)
    {
        Assert.Equal(expected, PatroniByteSize.Parse(text));
    }
}
