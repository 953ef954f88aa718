using System.Net;

namespace Pgway.Pooling;

/// <summary>
/// The place one server connection was opened at: the server's address, the member it belongs to,
/// and whether it may still be used. Retired: closed when its client gives it back (never handed out
/// again). Fenced: retired, and its client loses it at once, mid-transaction or not.
/// </summary>
/// <param name="member">The service member's name; null for a node pooler's fixed server.</param>
internal sealed class ServerLease(IPEndPoint endPoint, string? member, Action? released = null)
{
    private int retired;
    private int fenced;
    private Action? released = released;

    public IPEndPoint EndPoint { get; } = endPoint;

    public string? Member { get; } = member;

    public bool IsRetired => Volatile.Read(ref retired) != 0;

    public bool IsFenced => Volatile.Read(ref fenced) != 0;

    /// <summary>Its server is closed when next given back (or found idle).</summary>
    public void Retire() => Volatile.Write(ref retired, 1);

    /// <summary>Retired, and taken from its client at once; true the first time.</summary>
    public bool Fence()
    {
        Retire();
        return Interlocked.Exchange(ref fenced, 1) == 0;
    }

    /// <summary>The server connection is closed (or was never opened): its slot on the member is given back, once.</summary>
    public void Release() => Interlocked.Exchange(ref released, null)?.Invoke();

    public override string ToString() => Member is null ? EndPoint.ToString() : $"{Member} ({EndPoint})";
}
