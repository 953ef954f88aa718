using System.Text;

namespace Pgway.Protocol;

/// <summary>
/// The <c>options</c> start-up parameter (libpq's <c>PGOPTIONS</c>), as PostgreSQL splits it: words
/// separated by white space, a backslash keeping the next character literal. Of the server's
/// command-line switches only the settings are meaningful to a pooler: <c>-c name=value</c>,
/// <c>-cname=value</c> and <c>--name=value</c>.
/// </summary>
public static class StartupOptions
{
    /// <summary>The settings in <paramref name="options"/>; false with an error for any other switch.</summary>
    public static bool TryParse(string options, out List<KeyValuePair<string, string>> settings, out string? error)
    {
        ArgumentNullException.ThrowIfNull(options);
        settings = [];
        error = null;
        var words = Split(options);
        for (var i = 0; i < words.Count; i++)
        {
            string setting;
            if (words[i] == "-c")
            {
                if (++i == words.Count)
                {
                    error = "-c without name=value";
                    return false;
                }
                setting = words[i];
            }
            else if (words[i].StartsWith("-c", StringComparison.Ordinal))
            {
                setting = words[i][2..];
            }
            else if (words[i].StartsWith("--", StringComparison.Ordinal))
            {
                setting = words[i][2..];
            }
            else
            {
                error = $"only -c name=value and --name=value are supported, not '{words[i]}'";
                return false;
            }
            var equals = setting.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = $"'{setting}' is not name=value";
                return false;
            }
            // PostgreSQL reads --some-name as some_name.
            settings.Add(new(setting[..equals].Replace('-', '_'), setting[(equals + 1)..]));
        }
        return true;
    }

    private static List<string> Split(string options)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < options.Length; i++)
        {
            var c = options[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
                continue;
            }
            if (c == '\\' && i + 1 < options.Length)
            {
                c = options[++i];
            }
            word.Append(c);
            inWord = true;
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return words;
    }
}
