using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Pgway.Pooling;

/// <summary>
/// A cancel key pgway gives a client (BackendKeyData): the process id carries the number of the node
/// that issued it, so any node's pgway can tell where a CancelRequest belongs; the secret is 32 random bits.
/// </summary>
/// <remarks>
/// Process id layout: bit 31 clear (a positive number, as PostgreSQL's process ids are), bits 21–30 the
/// node number (0–1023), bit 20 set on a request one pgway forwarded to another (never forwarded again, so
/// two nodes that number the inventory differently, mid-change, cannot bounce a request between them),
/// bits 0–19 random and not all zero.
/// </remarks>
internal readonly record struct CancelKey(int ProcessId, int Secret)
{
    /// <summary>Bits of the process id that hold the node number.</summary>
    public const int NodeBits = 10;

    /// <summary>Nodes an inventory may number: more, and keys carry no node (see <see cref="CancelNodes"/>).</summary>
    public const int MaxNodes = 1 << NodeBits;

    private const int NodeShift = 31 - NodeBits;

    private const int ForwardedBit = 1 << (NodeShift - 1);

    private const int RandomBits = NodeShift - 1;

    /// <summary>The node number the key names (0 for a key of a pgway without numbering, or of a process id not pgway's).</summary>
    public int Node => NodeOf(ProcessId);

    /// <summary>Whether a pgway forwarded this request (the flag a forward sets; issued keys never carry it).</summary>
    public bool IsForwarded => (ProcessId & ForwardedBit) != 0;

    /// <summary>The key as it was issued: what the registry knows it by, whether or not the request was forwarded.</summary>
    public CancelKey Issued => this with { ProcessId = ProcessId & ~ForwardedBit };

    /// <summary>The key as a forward sends it: the receiving pgway looks it up and never forwards it again.</summary>
    public CancelKey Forwarded => this with { ProcessId = ProcessId | ForwardedBit };

    public static int NodeOf(int processId) => (processId >>> NodeShift) & (MaxNodes - 1);

    /// <summary>A key with the process id's random part and the whole secret from <paramref name="random"/>.</summary>
    /// <param name="random">Where the random bits come from: <see cref="RandomNumberGenerator.GetInt32(int, int)"/> outside tests.</param>
    public static CancelKey New(int node, Func<int, int, int> random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(node);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(node, MaxNodes);
        ArgumentNullException.ThrowIfNull(random);
        var low = random(1, 1 << RandomBits);
        // GetInt32's upper bound is exclusive: two draws of 16 bits give all 32.
        var secret = (random(0, 1 << 16) << 16) | random(0, 1 << 16);
        return new CancelKey((node << NodeShift) | low, secret);
    }

    /// <summary>
    /// A CancelRequest packet (length, code, process id, secret) with its key marked as forwarded by a
    /// pgway: pgway poolers look it up among their own sessions and never forward it again. Any other
    /// packet is returned as it is.
    /// </summary>
    public static ReadOnlyMemory<byte> MarkedForwarded(ReadOnlyMemory<byte> request)
    {
        const int ProcessIdAt = 8;
        if (request.Length != 16)
        {
            return request;
        }
        var copy = request.ToArray();
        var processId = BinaryPrimitives.ReadInt32BigEndian(copy.AsSpan(ProcessIdAt));
        BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(ProcessIdAt), processId | ForwardedBit);
        return copy;
    }

    /// <summary>A key from the system's cryptographic random numbers.</summary>
    public static CancelKey New(int node) => New(node, RandomNumberGenerator.GetInt32);
}
