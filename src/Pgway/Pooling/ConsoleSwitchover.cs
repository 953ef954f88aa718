using Pgway.Switchover;

namespace Pgway.Pooling;

/// <summary>
/// What the admin console's SWITCHOVER, UNFENCE and SHOW SWITCHOVER reach when the pooler runs inside
/// <c>pgway serve</c>: the process's switchover coordinator and health monitor.
/// </summary>
/// <param name="Switchover">Runs a switchover of a cluster to a member (or null: any healthy replica).</param>
/// <param name="Unfence">Clears an instance's fence (member, force); null when done, or why not.</param>
/// <param name="State">Rows of (kind, name, detail): switchovers under way, fenced instances, held services.</param>
public sealed record ConsoleSwitchover(
    Func<string, string?, CancellationToken, Task<SwitchoverResult>> Switchover,
    Func<string, bool, CancellationToken, Task<string?>> Unfence,
    Func<IReadOnlyList<(string Kind, string Name, string Detail)>> State);
