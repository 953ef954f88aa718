using System.Net;
using System.Net.Sockets;

namespace Pgway.Dns;

/// <summary>IPv4 before IPv6, then byte by byte: an order that does not depend on the inventory's or the OS's.</summary>
internal sealed class AddressOrder : IComparer<IPAddress>
{
    public static readonly AddressOrder Instance = new();

    public int Compare(IPAddress? x, IPAddress? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }
        var family = (x.AddressFamily == AddressFamily.InterNetworkV6).CompareTo(y.AddressFamily == AddressFamily.InterNetworkV6);
        return family != 0 ? family : x.GetAddressBytes().AsSpan().SequenceCompareTo(y.GetAddressBytes());
    }
}
