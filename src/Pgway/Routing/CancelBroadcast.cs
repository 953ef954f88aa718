using System.Net;
using System.Net.Sockets;

namespace Pgway.Routing;

/// <summary>
/// A CancelRequest that arrives on a service port goes to every member of the service. The key
/// names a session on one member, but which one pgway cannot tell in general: in a TLS session the
/// server's BackendKeyData is encrypted, and the cancel's own connection would be balanced like any
/// other (to the wrong member, half the time or always). PostgreSQL and PgBouncer ignore a key
/// they do not know, silently, so the one member that has it cancels and the others do nothing.
/// </summary>
internal static class CancelBroadcast
{
    /// <summary>
    /// Sends <paramref name="request"/> to each member's port at once, and returns when every member
    /// has closed the connection (it has acted on the request) or <paramref name="timeout"/> has
    /// passed for it: the client's own cancel connection is closed after, as PostgreSQL closes it.
    /// </summary>
    /// <returns>How many members took the request.</returns>
    public static async Task<int> SendAsync(IReadOnlyList<MemberRoute> members, ReadOnlyMemory<byte> request, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(members);
        var sending = new Task<bool>[members.Count];
        for (var i = 0; i < sending.Length; i++)
        {
            sending[i] = SendOneAsync(members[i], request, timeout, time, cancellationToken);
        }
        var taken = 0;
        foreach (var sent in await Task.WhenAll(sending))
        {
            taken += sent ? 1 : 0;
        }
        return taken;
    }

    private static async Task<bool> SendOneAsync(MemberRoute member, ReadOnlyMemory<byte> request, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var expiry = new CancellationTokenSource(timeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        try
        {
            var address = IPAddress.Parse(member.Member.Instance.Address);
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(new IPEndPoint(address, member.Member.Port), deadline.Token);
            await socket.SendAsync(request, SocketFlags.None, deadline.Token);
            // The server answers nothing and closes once it has looked the key up.
            var rest = new byte[1];
            while (await socket.ReceiveAsync(rest, SocketFlags.None, deadline.Token) > 0)
            {
            }
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or FormatException)
        {
            return false;
        }
    }
}
