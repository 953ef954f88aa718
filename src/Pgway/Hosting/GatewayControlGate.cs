using Pgway.Pooling;
using Pgway.Switchover;

namespace Pgway.Hosting;

/// <summary>
/// The control the poolers and the admin endpoint are given at start-up, before the host they control is complete
/// (a reload starts poolers too, so a pooler cannot be given the reload itself). A command that arrives during
/// start-up waits until the host runs, then runs against all of it (a reload sees every port, a switchover the
/// started monitor and DCS watches); when start-up fails instead, it is refused with the reason. SHOW SWITCHOVER
/// answers at once: nothing is under way, fenced or held before the host runs.
/// </summary>
internal sealed class GatewayControlGate : IGatewayControl
{
    // The running host's control, or why there is none (start-up failed): set once.
    private readonly TaskCompletionSource<(IGatewayControl? Control, string? Refused)> opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>From now on, commands (those waiting included) run on <paramref name="control"/>.</summary>
    public void Open(IGatewayControl control) => opened.TrySetResult((control, null));

    /// <summary>Start-up failed: commands waiting, and any that still arrive, are refused with <paramref name="reason"/>.</summary>
    public void Fail(string reason) => opened.TrySetResult((null, $"pgway did not start: {reason}"));

    public async Task<string?> ReloadAsync(CancellationToken cancellationToken)
    {
        var (control, refused) = await opened.Task.WaitAsync(cancellationToken);
        return control is null ? refused : await control.ReloadAsync(cancellationToken);
    }

    public async Task<SwitchoverResult> SwitchoverAsync(string cluster, string? candidate, SwitchoverOptions options, CancellationToken cancellationToken)
    {
        var (control, refused) = await opened.Task.WaitAsync(cancellationToken);
        return control is null
            ? new SwitchoverResult(cluster, false, null, null, null, 0, 0, [], refused)
            : await control.SwitchoverAsync(cluster, candidate, options, cancellationToken);
    }

    public async Task<string?> UnfenceAsync(string member, bool force, CancellationToken cancellationToken)
    {
        var (control, refused) = await opened.Task.WaitAsync(cancellationToken);
        return control is null ? refused : await control.UnfenceAsync(member, force, cancellationToken);
    }

    public IReadOnlyList<(string Kind, string Name, string Detail)> SwitchoverState() =>
        opened.Task.IsCompletedSuccessfully && opened.Task.Result.Control is { } control ? control.SwitchoverState() : [];
}
