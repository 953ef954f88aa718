using Pgway.Model;

namespace Pgway.Health;

/// <summary>
/// HAProxy's rise/fall state machine for one server, as a value. <c>Health</c> runs from 0 to
/// <c>rise + fall - 1</c>; the server is usable while it is at least <c>rise</c>. A failed check
/// steps it down and, once below <c>rise</c>, drops it to 0 (down); a passed check steps it up and,
/// once at <c>rise</c>, lifts it to the top (up). A new server starts at <c>rise</c>: usable, but one
/// failure takes it down.
/// </summary>
internal readonly record struct HealthCounter(int Health, int Rise, int Fall, bool Checked)
{
    /// <summary>The state before any check: counted as up, with health exactly <c>rise</c>.</summary>
    public static HealthCounter Initial(int rise, int fall)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rise, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(fall, 1);
        return new HealthCounter(rise, rise, fall, Checked: false);
    }

    /// <summary>The top of the scale: fully up.</summary>
    public int Max => Rise + Fall - 1;

    public bool IsUp => Health >= Rise;

    public MemberHealthState State =>
        !Checked || Health == Max ? (IsUp ? MemberHealthState.Up : MemberHealthState.Down)
        : IsUp ? MemberHealthState.GoingDown
        : Health == 0 ? MemberHealthState.Down
        : MemberHealthState.GoingUp;

    /// <summary>The counter after one check.</summary>
    public HealthCounter After(bool passed)
    {
        if (passed)
        {
            var up = Health + 1;
            return this with { Health = up >= Rise ? Max : up, Checked = true };
        }
        var down = Health - 1;
        return this with { Health = down < Rise ? 0 : down, Checked = true };
    }

    /// <summary>
    /// How long until the next check: <c>inter</c> when fully up, <c>downinter</c> when fully down,
    /// <c>fastinter</c> in between — which includes a server never checked yet (health = rise).
    /// </summary>
    public TimeSpan NextInterval(ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Health == Max)
        {
            return options.Inter;
        }
        return Health == 0 ? options.DownInter : options.FastInter;
    }

    /// <summary>
    /// HAProxy's stats notation: "UP", "UP 2/3" (health left before down, of fall), "DOWN",
    /// "DOWN 1/2" (checks passed, of rise).
    /// </summary>
    public string Describe() => State switch
    {
        MemberHealthState.GoingDown => $"UP {Health - Rise + 1}/{Fall}",
        MemberHealthState.GoingUp => $"DOWN {Health}/{Rise}",
        MemberHealthState.Down => "DOWN",
        _ => "UP",
    };
}
