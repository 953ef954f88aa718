using System.Globalization;
using System.Net;

namespace Pgway.Bench.Failover;

/// <summary>What the bench is told by its environment (see README.md), read once at start.</summary>
internal sealed record BenchSettings
{
    public int Rounds { get; init; } = 3;
    public IReadOnlyList<string> Scenarios { get; init; } = ["patroni", "sql"];
    public int Clients { get; init; } = 3;
    public TimeSpan WriteInterval { get; init; } = TimeSpan.FromMilliseconds(15);
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromMilliseconds(10);
    public int Ttl { get; init; } = 30;
    public int LoopWait { get; init; } = 10;
    public int RetryTimeout { get; init; } = 10;
    public TimeSpan PromoteDelay { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(2);
    public string Options { get; init; } = "inter 2s fastinter 1s downinter 2s rise 3 fall 3 on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100";
    public IPAddress Address { get; init; } = IPAddress.Parse("127.0.0.81");
    public required string PgwayBinary { get; init; }
    public required string HaproxyBinary { get; init; }
    public string? Out { get; init; }
    public string PgwayLogLevel { get; init; } = "Information";

    public static BenchSettings FromEnvironment()
    {
        static string? Get(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
        static int Int(string name, int fallback) => Get(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

        var defaults = new BenchSettings { PgwayBinary = "", HaproxyBinary = "" };
        return defaults with
        {
            Rounds = Int("ROUNDS", defaults.Rounds),
            Scenarios = Get("SCENARIOS")?.Split(' ', ',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? defaults.Scenarios,
            Clients = Int("CLIENTS", defaults.Clients),
            WriteInterval = TimeSpan.FromMilliseconds(Int("INTERVAL_MS", (int)defaults.WriteInterval.TotalMilliseconds)),
            ProbeInterval = TimeSpan.FromMilliseconds(Int("PROBE_MS", (int)defaults.ProbeInterval.TotalMilliseconds)),
            Ttl = Int("TTL", defaults.Ttl),
            LoopWait = Int("LOOP_WAIT", defaults.LoopWait),
            RetryTimeout = Int("RETRY_TIMEOUT", defaults.RetryTimeout),
            PromoteDelay = TimeSpan.FromSeconds(Int("PROMOTE_DELAY", (int)defaults.PromoteDelay.TotalSeconds)),
            Options = Get("OPTIONS") ?? defaults.Options,
            Address = Get("BENCH_ADDR") is { } address ? IPAddress.Parse(address) : defaults.Address,
            PgwayBinary = Get("PGWAY_BIN") ?? throw new InvalidOperationException("PGWAY_BIN is not set (run bench/failover/run.sh)"),
            HaproxyBinary = Get("HAPROXY_BIN") ?? "/usr/sbin/haproxy",
            Out = Get("OUT"),
            PgwayLogLevel = Get("PGWAY_LOG_LEVEL") ?? defaults.PgwayLogLevel,
        };
    }

    public void Validate()
    {
        var errors = new List<string>();
        if (Rounds < 1 || Rounds > 20)
        {
            errors.Add($"ROUNDS must be 1 to 20, not {Rounds}.");
        }

        if (Clients < 1 || Clients > 20)
        {
            errors.Add($"CLIENTS must be 1 to 20, not {Clients}.");
        }

        if (WriteInterval < TimeSpan.FromMilliseconds(1) || ProbeInterval < TimeSpan.FromMilliseconds(1))
        {
            errors.Add("INTERVAL_MS and PROBE_MS must be at least 1.");
        }

        errors.AddRange(Scenarios.Where(s => s is not ("patroni" or "sql")).Select(s => $"Unknown scenario '{s}' (patroni, sql)."));
        var bytes = Address.GetAddressBytes();
        if (bytes.Length != 4 || bytes[0] != 127)
        {
            errors.Add($"BENCH_ADDR must be a loopback address in 127.0.0.0/8, not {Address}.");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join('\n', errors));
        }
    }
}
