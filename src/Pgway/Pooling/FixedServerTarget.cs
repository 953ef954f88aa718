using System.Net;

namespace Pgway.Pooling;

/// <summary>A node pooler's server: always the same address, never fenced.</summary>
internal sealed class FixedServerTarget(IPEndPoint endPoint) : IServerTarget
{
    private readonly ServerLease lease = new(endPoint, null);

    public ServerLease? TryLease() => lease;

    public Task WaitForChangeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public event Action<ServerLease>? Fenced
    {
        add { }
        remove { }
    }

    public bool RetriesElsewhere => false;

    public void Failed(ServerLease lease)
    {
        // One server: a failure is the pool's (server_login_retry).
    }

    public string Describe() => lease.EndPoint.ToString();
}
