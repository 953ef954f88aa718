namespace Pgway.Pooling.Admin;

/// <summary>
/// Reads a console command as PgBouncer does: one command per Query, keywords in any case, an
/// optional <c>;</c> at the end; <c>VERB</c>, <c>VERB word</c> (a word of letters, digits, <c>_</c>
/// and <c>.</c>, or a <c>"quoted"</c> name), or <c>SET key = value</c> (the value a word or a
/// <c>'quoted'</c> string, <c>''</c> for a quote; <c>TO</c> for <c>=</c>). Anything else is not a command.
/// </summary>
internal static class AdminCommandParser
{
    /// <summary>The command, or null when <paramref name="text"/> is not one (PgBouncer's "invalid command").</summary>
    public static AdminCommand? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var at = 0;
        SkipSpaces(text, ref at);
        if (ReadWord(text, ref at) is not { } verb)
        {
            return null;
        }
        verb = verb.ToUpperInvariant();
        SkipSpaces(text, ref at);
        if (verb == "SET")
        {
            return ParseSet(text, at);
        }
        if (verb is "SWITCHOVER" or "UNFENCE")
        {
            return ParseNames(text, at, verb);
        }
        string? argument = null;
        if (at < text.Length && text[at] != ';')
        {
            argument = text[at] == '"' ? ReadQuoted(text, ref at, '"') : ReadWord(text, ref at);
            if (argument is null)
            {
                return null;
            }
            SkipSpaces(text, ref at);
        }
        if (!AtEnd(text, at))
        {
            return null;
        }
        return new AdminCommand(text, verb, verb == "SHOW" ? argument?.ToUpperInvariant() : argument);
    }

    private static AdminCommand? ParseSet(string text, int at)
    {
        if (ReadWord(text, ref at) is not { } key)
        {
            return null;
        }
        SkipSpaces(text, ref at);
        if (at < text.Length && text[at] == '=')
        {
            at++;
        }
        else if (ReadWord(text, ref at) is not { } to || !to.Equals("TO", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        SkipSpaces(text, ref at);
        var value = at < text.Length && text[at] == '\'' ? ReadQuoted(text, ref at, '\'') : ReadWord(text, ref at);
        if (value is null)
        {
            return null;
        }
        SkipSpaces(text, ref at);
        return AtEnd(text, at) ? new AdminCommand(text, "SET", key.ToLowerInvariant(), value) : null;
    }

    // SWITCHOVER cluster [TO member], UNFENCE member [FORCE]: Pigsty's names have dashes (pg-test-1), so a name here
    // is a word that may have them too, or a "quoted" name.
    private static AdminCommand? ParseNames(string text, int at, string verb)
    {
        if (ReadName(text, ref at) is not { } name)
        {
            return AtEnd(text, at) ? new AdminCommand(text, verb, null) : null;
        }
        SkipSpaces(text, ref at);
        string? to = null;
        if (verb == "SWITCHOVER" && ReadWord(text, ref at) is { } keyword)
        {
            SkipSpaces(text, ref at);
            if (!keyword.Equals("TO", StringComparison.OrdinalIgnoreCase) || ReadName(text, ref at) is not { } member)
            {
                return null;
            }
            to = member;
            SkipSpaces(text, ref at);
        }
        else if (verb == "UNFENCE" && ReadWord(text, ref at) is { } force)
        {
            // UNFENCE member FORCE: the Value says forced.
            if (!force.Equals("FORCE", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
            to = "FORCE";
            SkipSpaces(text, ref at);
        }
        return AtEnd(text, at) ? new AdminCommand(text, verb, name, to) : null;
    }

    private static string? ReadName(string text, ref int at)
    {
        if (at < text.Length && text[at] == '"')
        {
            return ReadQuoted(text, ref at, '"');
        }
        var start = at;
        while (at < text.Length && (char.IsAsciiLetterOrDigit(text[at]) || text[at] is '_' or '.' or '-'))
        {
            at++;
        }
        return at > start ? text[start..at] : null;
    }

    private static bool AtEnd(string text, int at)
    {
        if (at < text.Length && text[at] == ';')
        {
            at++;
            SkipSpaces(text, ref at);
        }
        return at == text.Length;
    }

    private static void SkipSpaces(string text, ref int at)
    {
        while (at < text.Length && char.IsWhiteSpace(text[at]))
        {
            at++;
        }
    }

    private static string? ReadWord(string text, ref int at)
    {
        var start = at;
        while (at < text.Length && (char.IsAsciiLetterOrDigit(text[at]) || text[at] is '_' or '.'))
        {
            at++;
        }
        return at > start ? text[start..at] : null;
    }

    // A quoted name or string; a doubled quote inside stands for one. Null when unterminated or empty.
    private static string? ReadQuoted(string text, ref int at, char quote)
    {
        var value = new System.Text.StringBuilder();
        for (var i = at + 1; i < text.Length; i++)
        {
            if (text[i] != quote)
            {
                value.Append(text[i]);
                continue;
            }
            if (i + 1 < text.Length && text[i + 1] == quote)
            {
                value.Append(quote);
                i++;
                continue;
            }
            at = i + 1;
            return quote == '"' && value.Length == 0 ? null : value.ToString();
        }
        return null;
    }
}
