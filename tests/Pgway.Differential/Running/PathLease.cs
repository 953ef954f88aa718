using System.Net;
using Pgway.Pooling;

namespace Pgway.Differential.Running;

/// <summary>An endpoint to run a conversation against, and the pooler started for it (stopped on dispose), if any.</summary>
internal sealed class PathLease(IPEndPoint endPoint, Pooler? pooler) : IAsyncDisposable
{
    public IPEndPoint EndPoint { get; } = endPoint;

    public async ValueTask DisposeAsync()
    {
        if (pooler is not null)
        {
            await pooler.DisposeAsync();
        }
    }
}
