using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pgway.Dns;

/// <summary>
/// One pgway node that serves a zone, as the zone's NS records name it: <c>&lt;label&gt;.ns.&lt;apex&gt;</c>, the label
/// made from the node's address (<c>10-10-10-11</c>), so every node gives every other the same name whatever it knows
/// of their hosts, and the name's A (or AAAA) record is the address its DNS server listens on.
/// </summary>
/// <param name="Name">The server's name in the zone, lower case, without the final dot.</param>
/// <param name="Address">The node's address: the A or AAAA record of <paramref name="Name"/> (the glue of the NS records).</param>
internal sealed record DnsNameServer(string Name, IPAddress Address)
{
    /// <summary>The label under each apex the name servers' names sit under.</summary>
    public const string Label = "ns";

    /// <summary>The name server at <paramref name="address"/> for the zone <paramref name="apex"/>.</summary>
    public static DnsNameServer For(string apex, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(apex);
        ArgumentNullException.ThrowIfNull(address);
        return new DnsNameServer($"{AddressLabel(address)}.{Label}.{apex}", address);
    }

    /// <summary>
    /// One DNS label for an address: IPv4's dots made dashes (<c>10-10-10-11</c>); IPv6's eight groups written out in
    /// full, joined by dashes (<c>fd00-0000-…-0003</c>). Written out, an IPv6 label never holds <c>--</c> (which
    /// IDNA reserves in the third and fourth places, and <c>::</c> would give) and never starts or ends with a dash.
    /// </summary>
    public static string AddressLabel(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return address.ToString().Replace('.', '-');
        }
        var bytes = address.GetAddressBytes();
        var label = new StringBuilder(39);
        for (var i = 0; i < bytes.Length; i += 2)
        {
            if (i > 0)
            {
                label.Append('-');
            }
            label.Append(CultureInfo.InvariantCulture, $"{bytes[i]:x2}{bytes[i + 1]:x2}");
        }
        return label.ToString();
    }
}
