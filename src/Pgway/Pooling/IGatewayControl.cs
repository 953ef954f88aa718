using Pgway.Switchover;

namespace Pgway.Pooling;

/// <summary>
/// What a pooler's admin console asks of the <c>pgway serve</c> process it runs in: RELOAD of the whole process,
/// SWITCHOVER, UNFENCE and SHOW SWITCHOVER. A pooler on its own has none (<see cref="PoolerOptions.Control"/> is null).
/// </summary>
/// <remarks>
/// The console's PAUSE, RESUME, KILL and the like act on its own pooler and need no control. The admin endpoint's
/// POST /switchover and /unfence reach the same control.
/// </remarks>
internal interface IGatewayControl
{
    /// <summary>Reads the inventory again and applies it to every service and pooler of the process; null when applied, or why it was rejected.</summary>
    Task<string?> ReloadAsync(CancellationToken cancellationToken);

    /// <summary>Switches <paramref name="cluster"/>'s primary over to <paramref name="candidate"/> (an instance name; null: a healthy replica).</summary>
    Task<SwitchoverResult> SwitchoverAsync(string cluster, string? candidate, SwitchoverOptions options, CancellationToken cancellationToken);

    /// <summary>Clears an instance's fence (by name), unless another instance may be a primary and not <paramref name="force"/>; null when done, or why not.</summary>
    Task<string?> UnfenceAsync(string member, bool force, CancellationToken cancellationToken);

    /// <summary>For SHOW SWITCHOVER: rows of (kind, name, detail): switchovers under way, fenced instances, held pooled services.</summary>
    IReadOnlyList<(string Kind, string Name, string Detail)> SwitchoverState();
}
