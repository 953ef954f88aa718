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
/// <param name="Replaced">
/// Those reported in the last read scanned after the last RESET in it (or all of its reports, when
/// the RESET was in an earlier read, whose reports the client has seen): with the value the client
/// had been told before them. pgway replaces these reports with its own once the start-up values are back.
/// </param>
internal readonly record struct SettingsReset(bool Any, bool All, IReadOnlyDictionary<string, string?>? Reported,
    IReadOnlyDictionary<string, string?>? Replaced = null)
{
    public SettingsReset WithReset() => this with { Any = true, Replaced = null };

    public SettingsReset WithAll() => this with { Any = true, All = true, Replaced = null };

    /// <summary>A new read: the reports of earlier ones went to the client as they were.</summary>
    public SettingsReset WithNewRead() => this with { Replaced = null };

    public SettingsReset WithReported(string name, string? before)
    {
        var names = Reported as Dictionary<string, string?> ?? new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        names.TryAdd(name, before);
        var replaced = Replaced as Dictionary<string, string?> ?? new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        replaced.TryAdd(name, before);
        return this with { Reported = names, Replaced = replaced };
    }
}
