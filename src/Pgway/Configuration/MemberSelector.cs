using System.Text;
using System.Text.Json;
using DevLab.JmesPath;
using DevLab.JmesPath.Expressions;
using Newtonsoft.Json.Linq;

namespace Pgway.Configuration;

/// <summary>
/// A compiled JMESPath selector. Pigsty writes literals the legacy way (<c>`primary`</c>, not
/// valid JSON), which Python's jmespath accepts as a string but the spec and JmesPath.Net do not,
/// so such literals are rewritten into JSON strings before compiling.
/// </summary>
internal sealed class MemberSelector
{
    private readonly JmesPathExpression _expression;

    private MemberSelector(string text, JmesPathExpression expression)
    {
        Text = text;
        _expression = expression;
    }

    public string Text { get; }

    public static MemberSelector? Compile(string text, out string? error)
    {
        try
        {
            error = null;
            return new MemberSelector(text, new JmesPath().Parse(RewriteLegacyLiterals(text)));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>The addresses (inventory_hostname) the selector picks from the instances given.</summary>
    public IReadOnlySet<string> Select(JArray instances)
    {
        // A filter yields a projection, not a token: AsJToken materialises either.
        var result = _expression.Transform(instances).AsJToken();
        var selected = new HashSet<string>(StringComparer.Ordinal);
        if (result is not JArray list)
        {
            throw new InvalidOperationException(
                $"a selector must give a list of instances (like \"[? pg_role == `replica`]\"), but this one gives {Describe(result)}");
        }
        foreach (var item in list)
        {
            var address = item switch
            {
                JObject instance => instance["inventory_hostname"]?.ToString(),
                JValue { Type: JTokenType.String } name => name.ToString(),
                _ => null,
            };
            if (address is null)
            {
                throw new InvalidOperationException($"a selector must give instances, but this one gives {Describe(item)} in its list");
            }
            selected.Add(address);
        }
        return selected;
    }

    private static string Describe(JToken? token) =>
        token is null || token.Type == JTokenType.Null ? "null" : $"a {token.Type.ToString().ToLowerInvariant()} ({token.ToString(Newtonsoft.Json.Formatting.None)})";

    /// <summary>Rewrites each backtick literal that is not valid JSON into a JSON string literal, as Python's jmespath reads it.</summary>
    internal static string RewriteLegacyLiterals(string expression)
    {
        var output = new StringBuilder(expression.Length + 8);
        var i = 0;
        while (i < expression.Length)
        {
            var c = expression[i];
            if (c is '\'' or '"')
            {
                // Raw strings and quoted identifiers may contain backticks: copy them untouched.
                var end = ClosingQuote(expression, i);
                output.Append(expression, i, end - i);
                i = end;
                continue;
            }
            if (c != '`')
            {
                output.Append(c);
                i++;
                continue;
            }
            var literal = new StringBuilder();
            var j = i + 1;
            for (; j < expression.Length && expression[j] != '`'; j++)
            {
                if (expression[j] == '\\' && j + 1 < expression.Length && expression[j + 1] == '`')
                {
                    j++;
                }
                literal.Append(expression[j]);
            }
            if (j >= expression.Length)
            {
                // Unterminated: leave it for the parser to report.
                output.Append(expression, i, expression.Length - i);
                break;
            }
            // Python's jmespath: valid JSON stays; otherwise the text, left-trimmed, is read as the
            // inside of a JSON string (so escapes work); if even that fails, the literal is an error,
            // which is left for the parser to report.
            var content = literal.ToString();
            var json = IsJson(content) ? content
                : IsJson($"\"{content.TrimStart()}\"") ? $"\"{content.TrimStart()}\""
                : null;
            if (json is null)
            {
                output.Append(expression, i, j + 1 - i);
            }
            else
            {
                output.Append('`').Append(json.Replace("`", "\\`", StringComparison.Ordinal)).Append('`');
            }
            i = j + 1;
        }
        return output.ToString();
    }

    private static int ClosingQuote(string text, int start)
    {
        var quote = text[start];
        for (var i = start + 1; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == quote)
            {
                return i + 1;
            }
        }
        return text.Length;
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
