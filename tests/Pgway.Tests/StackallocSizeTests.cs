using System.Text.RegularExpressions;

namespace Pgway.Tests;

/// <summary>
/// Every <c>stackalloc</c> in pgway is of a small size fixed in the code: a size a client chooses (a
/// name's length, say) could take 128 KB of a loop thread's stack at once. Longer data goes in a rented array.
/// </summary>
public sealed partial class StackallocSizeTests
{
    // Bytes: the largest stack buffer any stackalloc may take (a char is 2).
    private const int MostBytes = 1024;

    [Fact]
    public void Sources_EveryStackalloc_SizedByAConstant()
    {
        var constants = SourceFiles.Under("src")
            .SelectMany(f => Constant().Matches(f.Text))
            .GroupBy(m => m.Groups["name"].Value)
            .ToDictionary(g => g.Key, g => g.First().Groups["value"].Value, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (path, text) in SourceFiles.Under("src"))
        {
            foreach (Match match in Stackalloc().Matches(text))
            {
                var size = Evaluate(match.Groups["size"].Value, constants);
                var bytes = size * (match.Groups["type"].Value == "char" ? 2 : 1);
                if (size is null || bytes > MostBytes)
                {
                    problems.Add($"{path}: {match.Value} ({(size is null ? "not a constant" : $"{bytes} bytes")})");
                }
            }
        }

        Assert.Empty(problems);
    }

    // A product of integer literals and named integer constants (MessageHeader.Size, MaxCarry * 2); null for anything else.
    private static int? Evaluate(string expression, Dictionary<string, string> constants)
    {
        var product = 1;
        foreach (var factor in expression.Split('*', StringSplitOptions.TrimEntries))
        {
            var name = factor[(factor.LastIndexOf('.') + 1)..];
            if (int.TryParse(factor, System.Globalization.CultureInfo.InvariantCulture, out var literal))
            {
                product *= literal;
            }
            else if (constants.TryGetValue(name, out var value) && Evaluate(value, constants) is { } constant)
            {
                product *= constant;
            }
            else
            {
                return null;
            }
        }
        return product;
    }

    [GeneratedRegex(@"stackalloc\s+(?<type>\w+)\s*\[(?<size>[^\]]+)\]")]
    private static partial Regex Stackalloc();

    [GeneratedRegex(@"\bconst\s+int\s+(?<name>\w+)\s*=\s*(?<value>[^;]+);")]
    private static partial Regex Constant();
}
