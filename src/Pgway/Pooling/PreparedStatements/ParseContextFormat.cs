using System.Text;

namespace Pgway.Pooling.PreparedStatements;

/// <summary>
/// A client's parse context, as it is written into a shared statement's identity: the values of
/// <see cref="Settings"/>, in that order, each followed by <see cref="Separator"/>.
/// </summary>
internal static class ParseContextFormat
{
    /// <summary>
    /// The settings under which PostgreSQL reads a query text differently: two clients share a server
    /// statement only when they agree on all of them (a literal's date order and time zone are fixed
    /// when the statement is parsed; a name resolves in the search_path).
    /// </summary>
    public static readonly string[] Settings = ["search_path", "DateStyle", "TimeZone", "IntervalStyle", "standard_conforming_strings"];

    /// <summary>Ends each value: a control character no setting's value holds.</summary>
    public const char Separator = '\u0001';

    // The settings from LiteralsFrom on are read when a literal is parsed, and never again while the statement
    // stands. search_path is not among them: PostgreSQL parses a statement again under the current
    // search_path at its next use whenever the path changed, so a statement made anew under the current
    // one means what the client's own would.
    private const int LiteralsFrom = 1;

    /// <summary>The context of <paramref name="values"/>, given for <see cref="Settings"/> in order (null: not known).</summary>
    public static string Format(IReadOnlyList<string?> values)
    {
        var context = new StringBuilder();
        foreach (var value in values)
        {
            context.Append(value).Append(Separator);
        }
        return context.ToString();
    }

    /// <summary>
    /// The values of the settings that fix a literal's meaning at parse time (DateStyle, TimeZone,
    /// IntervalStyle, standard_conforming_strings) in <paramref name="context"/>, null where one is
    /// not known; null when it is not a client's context.
    /// </summary>
    public static string?[]? LiteralValues(string context)
    {
        var values = context.Split(Separator);
        // Format ends every value with the separator: one empty piece more than there are settings.
        if (values.Length != Settings.Length + 1)
        {
            return null;
        }
        return [.. values[LiteralsFrom..Settings.Length].Select(value => value.Length == 0 ? null : value)];
    }

    /// <summary>
    /// <paramref name="context"/> with its literal settings replaced by <paramref name="literals"/>
    /// (DateStyle, TimeZone, IntervalStyle, standard_conforming_strings, as the server reported them).
    /// </summary>
    public static string WithLiterals(string context, IReadOnlyList<string?> literals)
    {
        var values = context.Split(Separator);
        if (values.Length != Settings.Length + 1 || literals.Count != Settings.Length - LiteralsFrom)
        {
            return context;
        }
        var merged = new string?[Settings.Length];
        for (var i = 0; i < Settings.Length; i++)
        {
            merged[i] = i < LiteralsFrom ? values[i] : literals[i - LiteralsFrom] ?? values[i];
        }
        return Format(merged);
    }

    /// <summary>
    /// The Parse definition of pgway's statement that reads the literal settings as the server has them
    /// now, in the order of <see cref="LiteralValues"/>: asked in the middle of a batch, where a setting
    /// the client's own Execute changed is reported only at the batch's end.
    /// </summary>
    public static byte[] ReaderDefinition { get; } = Encoding.UTF8.GetBytes(
        "SELECT current_setting('DateStyle'), current_setting('TimeZone'), current_setting('IntervalStyle'), " +
        "current_setting('standard_conforming_strings')\0\0\0");

    /// <summary>
    /// The Parse definition (query text and no parameter types) of the statement that sets the
    /// literal settings, given as its four parameters (NULL: left as it is), until the transaction
    /// ends: pgway's own statement, run around a Parse it makes for a client under another context
    /// than the client's now.
    /// </summary>
    public static byte[] SetterDefinition { get; } = Encoding.UTF8.GetBytes(
        "SELECT set_config('DateStyle', coalesce($1, current_setting('DateStyle')), true), " +
        "set_config('TimeZone', coalesce($2, current_setting('TimeZone')), true), " +
        "set_config('IntervalStyle', coalesce($3, current_setting('IntervalStyle')), true), " +
        "set_config('standard_conforming_strings', coalesce($4, current_setting('standard_conforming_strings')), true)\0\0\0");
}
