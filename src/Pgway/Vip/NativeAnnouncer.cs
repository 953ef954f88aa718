using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Pgway.Model;

using static Pgway.Vip.LinkSockets;

namespace Pgway.Vip;

/// <summary>
/// Announces the VIP from the process itself, with no helper command: IPv4, a gratuitous ARP request (sender and
/// target both the VIP, to the broadcast MAC) on an <c>AF_PACKET</c> socket, which neighbours with an entry for the
/// VIP update to our MAC; IPv6, an unsolicited neighbour advertisement (override flag set) to all nodes, hop limit
/// 255 as RFC 4861 requires. Needs CAP_NET_RAW; a missing one is an outcome, never an exception.
/// </summary>
internal sealed partial class NativeAnnouncer : IVipAnnouncer
{
    private const int AfPacket = 17;
    private const int SockDgram = 2;
    private const ushort EthPArp = 0x0806;
    private const int Eperm = 1;
    private const int Eacces = 13;

    public VipOutcome Announce(ClusterVip vip, string device)
    {
        ArgumentNullException.ThrowIfNull(vip);
        var nic = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(i => i.Name == device);
        if (nic is null)
        {
            return VipOutcome.Failed($"cannot announce the VIP: interface '{device}' is gone");
        }
        var mac = nic.GetPhysicalAddress().GetAddressBytes();
        if (mac.Length != 6)
        {
            // No Ethernet address (a loopback or a tunnel): nothing on the segment caches one.
            return VipOutcome.Done;
        }
        return vip.IsIPv6 ? AdvertiseNeighbour(vip.Address, nic, mac) : GratuitousArp(vip.Address, nic, mac);
    }

    /// <summary>The 28-byte ARP request that announces <paramref name="address"/> at <paramref name="mac"/>.</summary>
    internal static byte[] ArpPacket(IPAddress address, ReadOnlySpan<byte> mac)
    {
        var packet = new byte[28];
        BinaryPrimitives.WriteUInt16BigEndian(packet, 1); // Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 0x0800); // IPv4
        packet[4] = 6;
        packet[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), 1); // request
        mac.CopyTo(packet.AsSpan(8));
        address.TryWriteBytes(packet.AsSpan(14), out _);
        // Target MAC zero, target address the VIP itself: gratuitous.
        address.TryWriteBytes(packet.AsSpan(24), out _);
        return packet;
    }

    /// <summary>The ICMPv6 neighbour advertisement for <paramref name="address"/> at <paramref name="mac"/> (the kernel fills the checksum).</summary>
    internal static byte[] NeighbourAdvertisement(IPAddress address, ReadOnlySpan<byte> mac)
    {
        var packet = new byte[32];
        packet[0] = 136; // neighbour advertisement
        packet[4] = 0x20; // override: replace what neighbours cached
        address.TryWriteBytes(packet.AsSpan(8), out _);
        packet[24] = 2; // target link-layer address option
        packet[25] = 1; // its length in units of 8 bytes
        mac.CopyTo(packet.AsSpan(26));
        return packet;
    }

    private static unsafe VipOutcome GratuitousArp(IPAddress address, NetworkInterface nic, byte[] mac)
    {
        var index = nic.GetIPProperties().GetIPv4Properties()?.Index ?? 0;
        if (index == 0)
        {
            return VipOutcome.Failed($"cannot announce the VIP: interface '{nic.Name}' has no IPv4 index");
        }
        var packet = ArpPacket(address, mac);
        // struct sockaddr_ll: family, protocol (network order), ifindex, hatype, pkttype, halen, addr[8].
        var target = new byte[20];
        BinaryPrimitives.WriteUInt16LittleEndian(target, AfPacket);
        BinaryPrimitives.WriteUInt16BigEndian(target.AsSpan(2), EthPArp);
        BinaryPrimitives.WriteInt32LittleEndian(target.AsSpan(4), index);
        target[11] = 6;
        target.AsSpan(12, 6).Fill(0xff);
        var fd = Socket(AfPacket, SockDgram, BinaryPrimitives.ReverseEndianness(EthPArp));
        if (fd < 0)
        {
            return VipOutcome.Failed(Explain("open an ARP socket", Marshal.GetLastPInvokeError()));
        }
        try
        {
            fixed (byte* data = packet)
            fixed (byte* to = target)
            {
                if (SendTo(fd, data, (nuint)packet.Length, 0, to, (uint)target.Length) < 0)
                {
                    return VipOutcome.Failed(Explain($"send a gratuitous ARP on {nic.Name}", Marshal.GetLastPInvokeError()));
                }
            }
            return VipOutcome.Done;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static VipOutcome AdvertiseNeighbour(IPAddress address, NetworkInterface nic, byte[] mac)
    {
        var index = nic.GetIPProperties().GetIPv6Properties()?.Index ?? 0;
        try
        {
            using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.IcmpV6);
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, 255);
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, index);
            try
            {
                // From the VIP itself where the kernel allows it, so neighbours see who speaks.
                socket.Bind(new IPEndPoint(address, 0));
            }
            catch (SocketException)
            {
                // Any source of ours will do: the target address in the message is what neighbours learn.
            }
            var allNodes = new IPAddress(IPAddress.Parse("ff02::1").GetAddressBytes(), index);
            socket.SendTo(NeighbourAdvertisement(address, mac), new IPEndPoint(allNodes, 0));
            return VipOutcome.Done;
        }
        catch (SocketException e)
        {
            return VipOutcome.Failed(Explain($"send a neighbour advertisement on {nic.Name}", e.NativeErrorCode is 1 or 13 ? Eperm : e.NativeErrorCode, e.Message));
        }
    }

    private static string Explain(string what, int errno, string? message = null) =>
        errno is Eperm or Eacces
            ? $"cannot {what}: pgway needs CAP_NET_RAW to announce the VIP (clients keep the old MAC until their ARP cache expires)"
            : $"cannot {what}: {message ?? Marshal.GetPInvokeErrorMessage(errno)}";
}
