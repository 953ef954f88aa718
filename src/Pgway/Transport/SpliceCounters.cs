namespace Pgway.Transport;

/// <summary>Bytes a splice has moved each way, readable while it runs (for the stats page and metrics).</summary>
internal sealed class SpliceCounters
{
    private readonly SpliceCounters? total;
    private long fromClient;
    private long toClient;

    public SpliceCounters()
    {
    }

    /// <summary>One session's counters, which also add up into <paramref name="total"/> (its member's) as they count.</summary>
    public SpliceCounters(SpliceCounters total)
    {
        ArgumentNullException.ThrowIfNull(total);
        this.total = total;
    }

    /// <summary>Bytes read from the client and written to the server.</summary>
    public long FromClient => Interlocked.Read(ref fromClient);

    /// <summary>Bytes read from the server and written to the client.</summary>
    public long ToClient => Interlocked.Read(ref toClient);

    internal void AddFromClient(int bytes)
    {
        Interlocked.Add(ref fromClient, bytes);
        total?.AddFromClient(bytes);
    }

    internal void AddToClient(int bytes)
    {
        Interlocked.Add(ref toClient, bytes);
        total?.AddToClient(bytes);
    }
}
