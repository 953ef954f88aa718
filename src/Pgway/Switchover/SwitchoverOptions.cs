namespace Pgway.Switchover;

/// <summary>How long each bounded step of a switchover may take.</summary>
/// <param name="WaitTimeout">
/// How long the paused services wait for the transactions under way to end, past which the switchover is aborted and
/// nothing is switched; also the most it waits, before that, for pgway's checks to call the target up.
/// </param>
/// <param name="SwitchTimeout">How long Patroni's <c>POST /switchover</c>, or without Patroni the candidate's catching up and promotion, may take.</param>
internal sealed record SwitchoverOptions(TimeSpan WaitTimeout, TimeSpan SwitchTimeout)
{
    public static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan DefaultSwitchTimeout = TimeSpan.FromSeconds(60);

    public static SwitchoverOptions Default { get; } = new(DefaultWaitTimeout, DefaultSwitchTimeout);
}
