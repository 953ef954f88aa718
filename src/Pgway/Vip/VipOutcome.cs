namespace Pgway.Vip;

/// <summary>What one action on the network did: done, or why not, in words an operator can act on.</summary>
internal readonly record struct VipOutcome(string? Error)
{
    public static readonly VipOutcome Done = new(null);

    public bool Ok => Error is null;

    public static VipOutcome Failed(string error) => new(error);
}
