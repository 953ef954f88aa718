namespace Pgway.Dns;

/// <summary>What the DNS server of <c>pgway serve</c> listens on and how it bounds its answers; see docs/dns.md.</summary>
internal sealed record DnsOptions
{
    /// <summary>Consul's DNS port: resolvers already set up to forward to Consul work unchanged, and 53 stays the node's own resolver's.</summary>
    public const int DefaultPort = 8600;

    public static readonly DnsOptions Default = new();

    /// <summary>The UDP and TCP port, on each hosted node's address.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>
    /// The TTL of every record, and of negative answers (the SOA's minimum): 1 s by default, as Pigsty's dnsmasq and
    /// Consul use 0, so a resolver's cache cannot keep a dead primary for long; 0 allowed.
    /// </summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The largest UDP answer, whatever EDNS size a client offers: 1232 bytes (DNS Flag Day 2020) fits any path's MTU
    /// without IP fragmentation; a bigger answer is truncated (TC) and the client asks again over TCP.
    /// </summary>
    public int MaxUdpPayload { get; init; } = 1232;

    /// <summary>Records in one answer at most: a cluster has a handful of members, and a bounded answer bounds what a query can amplify.</summary>
    public int MaxAnswers { get; init; } = 32;

    /// <summary>UDP queries a second one source address may send, sustained (0: no limit); see docs/dns.md for why 200.</summary>
    public double RatePerSecond { get; init; } = 200;

    /// <summary>UDP queries one source may send at once before <see cref="RatePerSecond"/> applies.</summary>
    public int Burst { get; init; } = 400;

    /// <summary>Source addresses the rate limit tracks one by one; beyond them, new sources share one bucket.</summary>
    public int MaxTrackedSources { get; init; } = 10_000;

    /// <summary>
    /// TCP connections served at once on each address; one past them is closed at once. TCP carries only what UDP
    /// truncated (answers of 32 records at most mostly fit 1232 bytes), and each connection holds a descriptor for up to
    /// <see cref="TcpTimeout"/>: 256 is far above what resolvers need, and keeps a connection flood from taking the
    /// descriptors the service ports need.
    /// </summary>
    public int MaxTcpConnections { get; init; } = 256;

    /// <summary>
    /// TCP connections one source address may hold at once on each address; one more is closed at once. Without it one
    /// client could hold all <see cref="MaxTcpConnections"/> and lock every other resolver out. A resolver opens a TCP
    /// connection only for an answer UDP truncated, one per such query in flight, and pgway's answers (32 records at
    /// most) rarely are: 16 truncated queries from one resolver within the idle timeout is far past what it needs, while
    /// locking the port needs 16 sources that each complete a TCP handshake (no spoofed address can).
    /// </summary>
    public int MaxTcpConnectionsPerSource { get; init; } = 16;

    /// <summary>How long a TCP client may take to send a query, and how long an idle TCP connection is kept.</summary>
    public TimeSpan TcpTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The TTL in whole seconds, as records carry it.</summary>
    public int TtlSeconds => (int)Math.Min(int.MaxValue, Math.Max(0, Math.Floor(Ttl.TotalSeconds)));
}
