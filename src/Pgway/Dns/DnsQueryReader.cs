using ARSoft.Tools.Net.Dns;

namespace Pgway.Dns;

/// <summary>What the DNS server reads of a packet: a query, or nothing (the packet is then dropped unanswered).</summary>
internal static class DnsQueryReader
{
    /// <summary>
    /// The query in <paramref name="packet"/>; null for one the library cannot read, whatever it throws, and for a
    /// response (QR=1): the server would answer it SERVFAIL, and two servers, or one and a spoofed source, would then
    /// answer each other's answers forever.
    /// </summary>
    public static DnsMessage? Read(ArraySegment<byte> packet)
    {
        try
        {
            var message = DnsMessage.Parse(packet);
            return message.IsQuery ? message : null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }
}
