using System.Globalization;

namespace Pgway.Bench.Vip;

/// <summary>What the bench is told by its environment (see README.md), read once at start.</summary>
internal sealed record BenchSettings
{
    /// <summary>Leader changes, alternating between h1 and h2 (at least 5 for the medians the issue asks for).</summary>
    public int Rounds { get; init; } = 6;

    /// <summary>How long each probe waits for its outcome after the leader-key write before the round fails.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The pause between two attempts of one probe.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>vip-manager's <c>interval</c> in ms: Pigsty's template sets 1000.</summary>
    public int VipManagerInterval { get; init; } = 1000;

    /// <summary>The services' check options, the same for pgway and HAProxy (the lab's fast checks).</summary>
    public string Options { get; init; } = "inter 500ms fastinter 200ms downinter 500ms rise 2 fall 2 on-marked-down shutdown-sessions";

    public required string PgwayBinary { get; init; }

    public required string HaproxyBinary { get; init; }

    public required string VipManagerBinary { get; init; }

    public string? Out { get; init; }

    public static BenchSettings FromEnvironment()
    {
        static string? Get(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
        static int Int(string name, int fallback) => Get(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

        var defaults = new BenchSettings { PgwayBinary = "", HaproxyBinary = "", VipManagerBinary = "" };
        return defaults with
        {
            Rounds = Int("ROUNDS", defaults.Rounds),
            ProbeTimeout = TimeSpan.FromSeconds(Int("PROBE_TIMEOUT", (int)defaults.ProbeTimeout.TotalSeconds)),
            ProbeInterval = TimeSpan.FromMilliseconds(Int("PROBE_MS", (int)defaults.ProbeInterval.TotalMilliseconds)),
            VipManagerInterval = Int("VIP_MANAGER_INTERVAL", defaults.VipManagerInterval),
            Options = Get("OPTIONS") ?? defaults.Options,
            PgwayBinary = Get("PGWAY_BIN") ?? throw new InvalidOperationException("PGWAY_BIN is not set (run bench/vip/run.sh)"),
            HaproxyBinary = Get("HAPROXY_BIN") ?? "/usr/sbin/haproxy",
            VipManagerBinary = Get("VIP_MANAGER_BIN") ?? "/usr/bin/vip-manager",
            Out = Get("OUT"),
        };
    }

    public void Validate()
    {
        var errors = new List<string>();
        if (Rounds is < 1 or > 20)
        {
            errors.Add($"ROUNDS must be 1 to 20, not {Rounds}.");
        }

        if (ProbeTimeout < TimeSpan.FromSeconds(1) || ProbeTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"PROBE_TIMEOUT must be 1 to 300 seconds, not {ProbeTimeout.TotalSeconds}.");
        }

        if (ProbeInterval < TimeSpan.FromMilliseconds(1))
        {
            errors.Add("PROBE_MS must be at least 1.");
        }

        if (VipManagerInterval is < 10 or > 60_000)
        {
            errors.Add($"VIP_MANAGER_INTERVAL must be 10 to 60000 ms, not {VipManagerInterval}.");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join('\n', errors));
        }
    }
}
