namespace Pgway.Pooling;

/// <summary>
/// What a client's RESET or DISCARD ALL put back to the server's log-in values, as far as the
/// server's answers tell: that one ran (its command tag), whether it was all of them (DISCARD ALL),
/// and which reported parameters changed after it (their ParameterStatus). PostgreSQL would have
/// put them back to the client's start-up values instead; pgway does that afterwards.
/// </summary>
internal readonly record struct SettingsReset(bool Any, bool All, IReadOnlySet<string>? Reported)
{
    public SettingsReset WithReset() => this with { Any = true };

    public SettingsReset WithAll() => this with { Any = true, All = true };

    public SettingsReset WithReported(string name)
    {
        var names = Reported as HashSet<string> ?? new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        names.Add(name);
        return this with { Reported = names };
    }
}
