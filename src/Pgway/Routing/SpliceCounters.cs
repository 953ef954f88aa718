namespace Pgway.Routing;

/// <summary>Bytes a splice has moved each way, readable while it runs (for the stats page and metrics).</summary>
public sealed class SpliceCounters
{
    private long fromClient;
    private long toClient;

    /// <summary>Bytes read from the client and written to the server.</summary>
    public long FromClient => Interlocked.Read(ref fromClient);

    /// <summary>Bytes read from the server and written to the client.</summary>
    public long ToClient => Interlocked.Read(ref toClient);

    internal void AddFromClient(int bytes) => Interlocked.Add(ref fromClient, bytes);

    internal void AddToClient(int bytes) => Interlocked.Add(ref toClient, bytes);
}
