namespace Pgway.Pooling;

/// <summary>
/// What a client's RESET or DISCARD ALL put back to the server's log-in values, as far as the
/// server's answers tell: that one ran (its command tag), whether it was all of them (DISCARD ALL),
/// and which reported parameters changed after it (their ParameterStatus). PostgreSQL would have
/// put them back to the client's start-up values instead; pgway does that afterwards.
/// </summary>
/// <param name="Any">A RESET or DISCARD ALL ran.</param>
/// <param name="All">It was DISCARD ALL.</param>
/// <param name="Reported">The reported parameters that changed after it, with the client's value before (null: it had none).</param>
internal readonly record struct SettingsReset(bool Any, bool All, IReadOnlyDictionary<string, string?>? Reported)
{
    public SettingsReset WithReset() => this with { Any = true };

    public SettingsReset WithAll() => this with { Any = true, All = true };

    public SettingsReset WithReported(string name, string? before)
    {
        var names = Reported as Dictionary<string, string?> ?? new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        names.TryAdd(name, before);
        return this with { Reported = names };
    }
}
