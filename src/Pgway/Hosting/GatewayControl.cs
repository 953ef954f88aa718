using Pgway.Pooling;
using Pgway.Switchover;

namespace Pgway.Hosting;

/// <summary>The running host's answers to its consoles and admin endpoint: reload from <see cref="GatewayReload"/>, the rest from <see cref="GatewaySwitchover"/>.</summary>
internal sealed class GatewayControl(GatewayReload reload, GatewaySwitchover switchover) : IGatewayControl
{
    public Task<string?> ReloadAsync(CancellationToken cancellationToken) => reload.ReloadForConsoleAsync(cancellationToken);

    public Task<SwitchoverResult> SwitchoverAsync(string cluster, string? candidate, SwitchoverOptions options, CancellationToken cancellationToken) =>
        switchover.SwitchoverAsync(cluster, candidate, options, cancellationToken);

    public Task<string?> UnfenceAsync(string member, bool force, CancellationToken cancellationToken) =>
        switchover.UnfenceAsync(member, force, cancellationToken);

    public IReadOnlyList<(string Kind, string Name, string Detail)> SwitchoverState() => switchover.State();
}
