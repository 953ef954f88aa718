using System.Net;
using System.Net.Sockets;
using System.Text;
using ARSoft.Tools.Net.Dns;

namespace Pgway.IntegrationTests.Dns;

/// <summary>
/// Asks A records over one UDP socket, in process: a poll every few milliseconds, where starting dig each time would
/// take longer than the gaps measured. The socket may come from a namespace (NetnsSocket.RunIn). Each answer is the
/// addresses sorted and joined, "" for none, or "no answer" when none came within the wait.
/// </summary>
internal sealed class DnsAsker(Socket socket) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);
    private readonly byte[] buffer = new byte[1500];
    private ushort id;

    /// <summary>A UDP socket of the current thread's namespace.</summary>
    public static DnsAsker Create() => new(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));

    public async Task<string> AddressesAsync(IPEndPoint server, string name)
    {
        var query = Query(++id, name);
        await socket.SendToAsync(query, server);
        using var wait = new CancellationTokenSource(Wait);
        try
        {
            while (true)
            {
                var received = await socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), wait.Token);
                var reply = DnsMessage.Parse(new ArraySegment<byte>(buffer, 0, received.ReceivedBytes));
                // A late answer to an earlier query that timed out: not this one's.
                if (reply.TransactionID == id)
                {
                    return string.Join(',', reply.AnswerRecords.OfType<ARecord>().Select(r => r.Address.ToString()).Order(StringComparer.Ordinal));
                }
            }
        }
        catch (OperationCanceledException)
        {
            return "no answer";
        }
    }

    /// <summary>A query for the A records of <paramref name="name"/>, recursion not asked.</summary>
    internal static byte[] Query(ushort id, string name)
    {
        var bytes = new List<byte>(64);
        bytes.AddRange([(byte)(id >> 8), (byte)id, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
        foreach (var label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }
        bytes.AddRange([0, 0, 1, 0, 1]);
        return [.. bytes];
    }

    public void Dispose() => socket.Dispose();
}
