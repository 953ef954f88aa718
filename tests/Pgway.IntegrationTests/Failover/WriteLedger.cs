using System.Collections.Concurrent;

namespace Pgway.IntegrationTests.Failover;

/// <summary>
/// What each writer was told about each id it tried to insert, by the moment it was told (time since the
/// test's clock started). An id is <em>acknowledged</em> only when its COMMIT returned success to the client;
/// <em>unknown</em> when the COMMIT was sent but no answer came back (the connection broke, or pgway reported the
/// server lost): the transaction may or may not have committed; <em>not committed</em> when the transaction
/// failed before its COMMIT was sent, so it cannot have committed.
/// </summary>
internal sealed class WriteLedger
{
    private readonly ConcurrentDictionary<long, Entry> entries = new();

    public void Acknowledged(long id, string via, string? server, TimeSpan at, string? warning) => Add(id, new(Outcome.Acknowledged, via, server, at, warning));

    public void Unknown(long id, string via, TimeSpan at, Exception error) => Add(id, new(Outcome.Unknown, via, null, at, Describe(error)));

    public void NotCommitted(long id, string via, TimeSpan at, Exception error) => Add(id, new(Outcome.NotCommitted, via, null, at, Describe(error)));

    public IReadOnlyList<long> Ids(Outcome outcome, string? via = null) =>
        [.. entries.Where(e => e.Value.Outcome == outcome && (via is null || e.Value.Via == via)).Select(e => e.Key).Order()];

    public int Count(Outcome outcome, string via, TimeSpan? after = null) =>
        entries.Values.Count(e => e.Outcome == outcome && e.Via == via && (after is null || e.At > after));

    /// <summary>The first and last acknowledgement through <paramref name="via"/> by <paramref name="server"/> (an address), if any.</summary>
    public (TimeSpan First, TimeSpan Last)? AcknowledgedBy(string via, string server) =>
        entries.Values.Where(e => e.Outcome == Outcome.Acknowledged && e.Via == via && e.Server == server).Select(e => e.At).ToList() is { Count: > 0 } times
            ? (times.Min(), times.Max())
            : null;

    /// <summary>Every server that acknowledged a write.</summary>
    public IReadOnlySet<string?> Servers() => entries.Values.Where(e => e.Outcome == Outcome.Acknowledged).Select(e => e.Server).ToHashSet();

    /// <summary>Each distinct error through <paramref name="via"/> with the outcome it meant, and how often it came.</summary>
    public IReadOnlyList<(Outcome Outcome, string Detail, int Count)> Errors(string via) =>
        [.. entries.Values.Where(e => e.Outcome != Outcome.Acknowledged && e.Via == via)
            .GroupBy(e => (e.Outcome, e.Detail ?? ""))
            .Select(g => (g.Key.Outcome, g.Key.Item2, g.Count()))
            .OrderByDescending(g => g.Item3)];

    public Entry this[long id] => entries[id];

    private void Add(long id, Entry entry)
    {
        if (!entries.TryAdd(id, entry))
        {
            throw new InvalidOperationException($"id {id} was written twice");
        }
    }

    private static string Describe(Exception error) => error switch
    {
        Npgsql.PostgresException postgres => $"{postgres.SqlState} {postgres.MessageText}",
        _ => $"{error.GetType().Name}: {error.Message}",
    };

    public enum Outcome
    {
        Acknowledged,
        Unknown,
        NotCommitted,
    }

    /// <param name="Server">For an acknowledgement, the address of the server that took the row.</param>
    /// <param name="Detail">For an acknowledgement, a warning the server sent with it; otherwise the error.</param>
    public sealed record Entry(Outcome Outcome, string Via, string? Server, TimeSpan At, string? Detail);
}
