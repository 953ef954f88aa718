namespace Pgway.Routing;

/// <summary>HAProxy's <c>defaults</c> that govern a service's connections (Pigsty's values by default).</summary>
/// <param name="ConnectTimeout"><c>timeout connect</c>: how long connecting to a member may take.</param>
/// <param name="QueueTimeout"><c>timeout queue</c>: how long a client may wait for a free slot.</param>
/// <param name="Retries"><c>retries</c>: further members tried when one refuses (redispatch).</param>
/// <param name="RefusalWait">How long a refused client gets to send its start-up packet, to be answered with an error.</param>
public sealed record ServiceListenerOptions(TimeSpan ConnectTimeout, TimeSpan QueueTimeout, int Retries, TimeSpan RefusalWait)
{
    public static readonly ServiceListenerOptions Pigsty = new(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3), 3, TimeSpan.FromSeconds(2));
}
