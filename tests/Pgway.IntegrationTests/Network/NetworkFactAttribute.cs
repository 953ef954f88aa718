using Pgway.Testing.Network;

namespace Pgway.IntegrationTests.Network;

/// <summary>
/// A test on the multi-host network: skipped, with the reason, where the machine cannot build it (not root,
/// no <c>ip netns</c>), unless <c>PGWAY_REQUIRE_NETNS=1</c> (CI) makes it run and fail there instead.
/// With <see cref="NeedsDelay"/>, also skipped where the kernel cannot delay packets (no sch_netem).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NetworkFactAttribute : FactAttribute
{
    /// <summary>Skips (unless required) where the network cannot be built.</summary>
    public NetworkFactAttribute()
    {
        if (!NetworkAvailability.Required && NetworkAvailability.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }

    /// <summary>The test adds delay: it skips where the kernel has no sch_netem, even in CI, since no package can add a kernel module.</summary>
    public bool NeedsDelay
    {
        get => false;
        init
        {
            if (value && Skip is null && NetworkAvailability.DelayUnavailableReason is { } reason)
            {
                Skip = reason;
            }
        }
    }
}
