using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Pgway.IntegrationTests.Dns;

/// <summary>Asks one A query over a new TCP connection from a chosen source address, and keeps the connection open.</summary>
internal static class DnsTcpAsker
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The connection, open, and whether the server answered on it: false when it closed the connection instead. The
    /// caller disposes the connection.
    /// </summary>
    public static async Task<(TcpClient Connection, bool Answered)> AskAsync(IPAddress source, IPEndPoint server, ushort id, string name)
    {
        var tcp = new TcpClient(new IPEndPoint(source, 0));
        using var wait = new CancellationTokenSource(Wait);
        try
        {
            await tcp.ConnectAsync(server, wait.Token);
            var stream = tcp.GetStream();
            var query = DnsAsker.Query(id, name);
            var framed = new byte[query.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
            query.CopyTo(framed, 2);
            await stream.WriteAsync(framed, wait.Token);
            var length = new byte[2];
            await stream.ReadExactlyAsync(length, wait.Token);
            var body = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
            await stream.ReadExactlyAsync(body, wait.Token);
            return (tcp, BinaryPrimitives.ReadUInt16BigEndian(body) == id);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or SocketException)
        {
            return (tcp, false);
        }
    }
}
