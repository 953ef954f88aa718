using System.Net;
using System.Net.Sockets;

namespace Pgway.Testing;

/// <summary>
/// Hands out blocks of loopback addresses for clusters on the real port 5432: block k is
/// 127.77.k.11, .12, … A block is taken when reserved in this process, when another process holds its
/// lock file (parallel test assemblies), or when anything already listens on one of its addresses
/// (a leftover server, a demo cluster). The whole 127.0.0.0/8 is loopback on Linux, so no setup is needed.
/// </summary>
internal sealed class LoopbackBlockAllocator
{
    /// <summary>The second octet of every automatically allocated block.</summary>
    public const int SecondOctet = 77;

    /// <summary>The last octet of the first address in a block, as in Pigsty's 10.10.10.11.</summary>
    public const int FirstHost = 11;

    private readonly HashSet<int> _reserved = [];
    private readonly Lock _gate = new();
    private readonly string _lockDirectory;

    /// <summary>Creates an allocator whose cross-process lock files live in <paramref name="lockDirectory"/>.</summary>
    public LoopbackBlockAllocator(string lockDirectory)
    {
        _lockDirectory = lockDirectory;
    }

    /// <summary>
    /// The allocator shared by everything in this process, so that test classes running in parallel
    /// never pick the same block. Its lock files are per OS user, under <c>/tmp</c> whatever <c>TMPDIR</c>
    /// says: the addresses are the machine's, and a test run beside <c>bench/fuzz/differential.sh</c>
    /// (which points <c>TMPDIR</c> at <c>/dev/shm</c>) took the same blocks when each looked in its own.
    /// </summary>
    public static LoopbackBlockAllocator Shared { get; } =
        new(Path.Combine(MachineTempDirectory, $"pgway-testing-{Environment.UserName}", "address-locks"));

    // The system's temp directory, not the process's: the same for every process on the machine. The folder stays
    // per OS user, as one user cannot lock files another made; runs as two users still meet only at IsInUse.
    private const string MachineTempDirectory = "/tmp";

    /// <summary>Reserves the first free block of <paramref name="size"/> addresses with port 5432 free on each.</summary>
    /// <exception cref="InvalidOperationException">Every block is taken.</exception>
    public LoopbackBlock Reserve(int size) => Reserve(size, [PgTestCluster.Port]);

    /// <summary>Reserves the first free block of <paramref name="size"/> addresses with every one of <paramref name="ports"/> free on each.</summary>
    /// <exception cref="InvalidOperationException">Every block is taken.</exception>
    public LoopbackBlock Reserve(int size, IReadOnlyCollection<int> ports)
    {
        ArgumentNullException.ThrowIfNull(ports);
        ValidateSize(size, FirstHost);
        Directory.CreateDirectory(_lockDirectory);
        lock (_gate)
        {
            for (var key = 1; key <= 254; key++)
            {
                if (_reserved.Contains(key))
                {
                    continue;
                }

                var addresses = Enumerable.Range(FirstHost, size)
                    .Select(host => new IPAddress(new byte[] { 127, SecondOctet, (byte)key, (byte)host }))
                    .ToList();
                var crossProcessLock = TryLock(key);
                if (crossProcessLock is null)
                {
                    continue;
                }

                if (addresses.Any(address => ports.Any(port => IsInUse(address, port))))
                {
                    crossProcessLock.Dispose();
                    continue;
                }

                _reserved.Add(key);
                return new LoopbackBlock(key, addresses, crossProcessLock, Release);
            }
        }

        throw new InvalidOperationException(
            $"No free block of {size} loopback addresses 127.{SecondOctet}.k.{FirstHost}+ with ports {string.Join(", ", ports)} free: " +
            "stop leftover test servers (pgrep -a postgres) or pass an explicit base address.");
    }

    /// <summary>
    /// Uses <paramref name="size"/> addresses starting at <paramref name="baseAddress"/>, for a caller that
    /// wants fixed addresses. They must all be free; nothing else is reserved.
    /// </summary>
    public static LoopbackBlock ReserveExplicit(IPAddress baseAddress, int size)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        var bytes = baseAddress.GetAddressBytes();
        if (baseAddress.AddressFamily != AddressFamily.InterNetwork || bytes[0] != 127)
        {
            throw new ArgumentException($"The base address must be an IPv4 loopback address in 127.0.0.0/8, not {baseAddress}.", nameof(baseAddress));
        }

        ValidateSize(size, bytes[3]);
        var addresses = Enumerable.Range(0, size)
            .Select(offset => new IPAddress(new byte[] { bytes[0], bytes[1], bytes[2], (byte)(bytes[3] + offset) }))
            .ToList();
        var busy = addresses.Where(address => IsInUse(address, PgTestCluster.Port)).ToList();
        if (busy.Count > 0)
        {
            throw new InvalidOperationException(
                $"Port {PgTestCluster.Port} is already in use on {string.Join(", ", busy)}: stop what listens there or omit the base address to allocate a free block.");
        }

        return new LoopbackBlock(-1, addresses, null, static _ => { });
    }

    private static void ValidateSize(int size, int firstHost)
    {
        if (size < 1 || firstHost + size - 1 > 254)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"A block holds 1 to {255 - firstHost} addresses starting at .{firstHost}.");
        }
    }

    /// <summary>
    /// Whether something listens on address:port. Binding is the test: a listener on that address or on
    /// 0.0.0.0 makes it fail, and the probe is released at once. SO_REUSEADDR, as postgres itself sets it,
    /// keeps connections of a cluster just stopped (TIME_WAIT for a minute) from marking the block busy.
    /// </summary>
    private static bool IsInUse(IPAddress address, int port)
    {
        try
        {
            var probe = new TcpListener(address, port);
            probe.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            probe.Start();
            probe.Stop();
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private FileStream? TryLock(int key)
    {
        try
        {
            // FileShare.None is an exclusive flock on Linux: held for the block's lifetime and dropped by the
            // kernel if this process dies, so a crashed run never leaves a block reserved forever.
            return new FileStream(
                Path.Combine(_lockDirectory, $"127.{SecondOctet}.{key}.lock"),
                FileMode.OpenOrCreate,
                FileAccess.ReadWrite,
                FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private void Release(LoopbackBlock block)
    {
        block.CrossProcessLock?.Dispose();
        lock (_gate)
        {
            _reserved.Remove(block.Key);
        }
    }
}
