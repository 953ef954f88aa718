namespace Pgway.Testing.Network;

/// <summary>
/// Whether this machine can build a <see cref="TestNetwork"/> (root, and <c>ip netns</c> works), and whether the
/// run insists on it: with <c>PGWAY_REQUIRE_NETNS=1</c> (set by <c>.ci/run</c>) a missing capability fails the
/// network tests instead of skipping them, so CI can never pass by silently skipping.
/// </summary>
internal static class NetworkAvailability
{
    /// <summary>The environment variable that turns a skip into a failure.</summary>
    public const string RequireVariable = "PGWAY_REQUIRE_NETNS";

    private static readonly Lazy<string?> s_unavailableReason = new(Probe);
    private static readonly Lazy<string?> s_delayUnavailableReason = new(ProbeDelay);

    /// <summary>True when <see cref="RequireVariable"/> is <c>1</c>.</summary>
    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>Why the network cannot be built here; null when it can.</summary>
    public static string? UnavailableReason => s_unavailableReason.Value;

    /// <summary>
    /// Why packets cannot be delayed here (no sch_netem: <c>tc netem</c> answers "Specified qdisc kind is
    /// unknown"); null when they can. Probed once in a throw-away namespace.
    /// </summary>
    public static string? DelayUnavailableReason => s_delayUnavailableReason.Value;

    private static string? ProbeDelay()
    {
        if (UnavailableReason is { } reason)
        {
            return reason;
        }

        var probe = NetnsNames.For(Environment.ProcessId, "netem-probe");
        string? Run(params string[] arguments)
        {
            var result = PgCommandRunner.RunAsync(arguments[0], arguments[1..], Path.GetTempPath(), null, TimeSpan.FromSeconds(30), CancellationToken.None)
                .GetAwaiter().GetResult();
            return result.Succeeded ? null : result.StandardError.Trim();
        }

        try
        {
            return Run("ip", "netns", "add", probe) is { } failed
                ? $"could not create a namespace to probe tc netem: {failed}"
                : Run("ip", "netns", "exec", probe, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms") is { } refused
                    ? $"this kernel cannot delay packets: it lacks the sch_netem queueing discipline (tc netem: {refused})"
                    : null;
        }
        finally
        {
            Run("ip", "netns", "delete", probe);
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }

        if (!PgCommandRunner.IsRoot())
        {
            return "the multi-host network needs root (ip netns, veth, bridges)";
        }

        try
        {
            var result = PgCommandRunner.RunAsync("ip", ["netns", "list"], Path.GetTempPath(), null, TimeSpan.FromSeconds(30), CancellationToken.None)
                .GetAwaiter().GetResult();
            return result.Succeeded ? null : $"'ip netns' does not work here: {result.Describe()}";
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            return $"'ip' (iproute2) is not installed: {exception.Message}";
        }
    }
}
