using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace Pgway.Agent;

/// <summary>
/// Reads a <c>lag=</c> value the way Patroni does (its <c>parse_int(value, 'B')</c>, modelled on how
/// PostgreSQL reads GUCs): an integer in C's <c>strtol</c> base-0 syntax (<c>0x</c> hex, leading-zero
/// octal) or a decimal fraction, optionally followed by a case-sensitive 1024-based unit
/// <c>B kB MB GB TB</c>. Anything else is unparseable, which Patroni treats as "no limit".
/// Values beyond 64 bits, which Python keeps as big integers, saturate to <see cref="long.MaxValue"/>
/// or <see cref="long.MinValue"/>, so a limit stays unreachable or always exceeded as in Patroni.
/// </summary>
internal static partial class PatroniByteSize
{
    private static readonly (string Unit, long Bytes, long RoundTo)[] Units =
    [
        ("B", 1, 1),
        ("kB", 1L << 10, 1),
        ("MB", 1L << 20, 1L << 10),
        ("GB", 1L << 30, 1L << 20),
        ("TB", 1L << 40, 1L << 30),
    ];

    /// <summary>Bytes, or null when the text is not a size (Patroni then applies no lag limit).</summary>
    public static long? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var value = text.Trim();
        var integer = ParseInteger(value, out var rest);
        double? number = integer is { } exact ? (double)exact : null;
        if (rest.Length > 0 && rest[0] is '.' or 'e' or 'E' || number is null && rest.StartsWith('.'))
        {
            // A fraction or exponent: Patroni re-reads the whole text as a double.
            var match = DoublePattern().Match(value);
            if (!match.Success)
            {
                return null;
            }
            number = double.Parse(match.Value, NumberStyles.Float, CultureInfo.InvariantCulture);
            integer = null;
            rest = value[match.Length..];
        }
        if (number is null)
        {
            return null;
        }
        var unit = rest.Trim();
        if (unit.Length == 0)
        {
            // Without a unit Python keeps strtol's integer exact; only a double is rounded.
            return integer is { } whole ? Saturate(whole) : Saturate(Math.Round(number.Value, MidpointRounding.ToEven));
        }
        foreach (var (name, bytes, roundTo) in Units)
        {
            if (unit == name)
            {
                // Like PostgreSQL, round to a multiple of the next smaller unit, half to even.
                var scaled = number.Value * bytes;
                return Saturate(Math.Round(scaled / roundTo, MidpointRounding.ToEven) * roundTo);
            }
        }
        return null;
    }

    private static BigInteger? ParseInteger(string value, out string rest)
    {
        rest = value;
        foreach (var (pattern, radix) in new[] { (HexPattern(), 16), (OctalPattern(), 8), (DecimalPattern(), 10) })
        {
            var match = pattern.Match(value);
            if (!match.Success)
            {
                continue;
            }
            var digits = match.Value;
            var negative = digits.StartsWith('-');
            digits = digits.TrimStart('+', '-');
            if (radix == 16)
            {
                digits = digits[2..];
            }
            BigInteger parsed = 0;
            foreach (var c in digits)
            {
                parsed = parsed * radix + Convert.ToInt32(c.ToString(), 16);
            }
            rest = value[match.Length..];
            return negative ? -parsed : parsed;
        }
        return null;
    }

    private static long Saturate(BigInteger value) =>
        value > long.MaxValue ? long.MaxValue : value < long.MinValue ? long.MinValue : (long)value;

    // 2^63 is exactly representable as a double; long.MaxValue is not, so compare against the power of two.
    private static long Saturate(double value) =>
        value >= 9223372036854775808.0 ? long.MaxValue : value < -9223372036854775808.0 ? long.MinValue : (long)value;

    [GeneratedRegex(@"^[-+]?0x[0-9a-fA-F]+")]
    private static partial Regex HexPattern();

    [GeneratedRegex(@"^[-+]?0[0-7]*")]
    private static partial Regex OctalPattern();

    [GeneratedRegex(@"^[-+]?(0|[1-9][0-9]*)")]
    private static partial Regex DecimalPattern();

    [GeneratedRegex(@"^[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?")]
    private static partial Regex DoublePattern();
}
