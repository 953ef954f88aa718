namespace Pgway.Model;

/// <summary>
/// HAProxy's <c>default-server</c> options for a service's members, typed.
/// Defaults are HAProxy's own, so a service without options behaves as HAProxy would.
/// </summary>
/// <param name="Text">The options as written, for rendering an equivalent haproxy.cfg.</param>
internal sealed record ServerOptions(
    TimeSpan Inter,
    TimeSpan? FastInterSetting,
    TimeSpan? DownInterSetting,
    int Rise,
    int Fall,
    MarkedDownAction OnMarkedDown,
    MarkedUpAction OnMarkedUp,
    TimeSpan SlowStart,
    int MaxConn,
    int MaxQueue,
    int? Weight,
    string Text)
{
    public static readonly ServerOptions HaproxyDefaults = new(
        TimeSpan.FromSeconds(2), null, null, 2, 3, MarkedDownAction.None, MarkedUpAction.None,
        TimeSpan.Zero, 0, 0, null, "");

    /// <summary>Interval while a member is in transition; HAProxy falls back to inter.</summary>
    public TimeSpan FastInter => FastInterSetting ?? Inter;

    /// <summary>Interval while a member is fully down; HAProxy falls back to inter.</summary>
    public TimeSpan DownInter => DownInterSetting ?? Inter;
}
