namespace Pgway.Model;

/// <summary>An instance serving a service, as one HAProxy <c>server</c> line.</summary>
/// <param name="Port">Where traffic goes on the instance (the destination resolved for it).</param>
/// <param name="CheckPort">Where its health check goes; null when the service has no check.</param>
internal sealed record ServiceMember(Instance Instance, bool IsBackup, int Port, int? CheckPort, int Weight)
{
    public string Name => Instance.Name;
}
