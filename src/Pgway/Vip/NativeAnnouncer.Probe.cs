using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Runtime.InteropServices;
using Pgway.Model;

using static Pgway.Vip.LinkSockets;

namespace Pgway.Vip;

// The ARP probe of duplicate address detection (RFC 5227, what `arping -D` sends): a request for the VIP from
// sender address 0.0.0.0, so that no neighbour learns anything from it, answered by every host that holds the VIP.
internal sealed partial class NativeAnnouncer
{
    private const int SockNonblock = 0x800;
    private const int MsgDontwait = 0x40;
    private const byte PacketHost = 0;
    private const byte PacketOutgoing = 4;

    public VipProbe Probe(ClusterVip vip, string device, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(vip);
        if (vip.IsIPv6)
        {
            // The kernel runs IPv6 duplicate address detection itself when the address is added.
            return VipProbe.Nobody;
        }
        var nic = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(i => i.Name == device);
        if (nic is null)
        {
            return VipProbe.Failed($"cannot probe for the VIP: interface '{device}' is gone");
        }
        var mac = nic.GetPhysicalAddress().GetAddressBytes();
        var index = nic.GetIPProperties().GetIPv4Properties()?.Index ?? 0;
        return mac.Length != 6 ? VipProbe.Nobody : ProbeAddress(vip.Address, index, mac, window);
    }

    /// <summary>The 28-byte ARP probe for <paramref name="address"/> from <paramref name="mac"/>: a request with sender address 0.0.0.0.</summary>
    internal static byte[] ProbePacket(IPAddress address, ReadOnlySpan<byte> mac)
    {
        var packet = ArpPacket(address, mac);
        // Sender protocol address zero: a probe, which no neighbour may cache (RFC 5227 section 2.1.1).
        packet.AsSpan(14, 4).Clear();
        return packet;
    }

    /// <summary>
    /// The MACs (lower case, colon-separated) that answer an ARP probe for <paramref name="address"/> on interface
    /// <paramref name="index"/> within <paramref name="window"/>. By default two probes, at its start and half-way
    /// through, so a lost one does not make a held address look free, and any ARP packet from another MAC whose sender
    /// address is the probed one counts (a reply, a gratuitous ARP). With <paramref name="oneProbeRepliesOnly"/>, one
    /// probe and only the replies to it: two MACs then held the address at the moment it reached them (a test's check).
    /// Blocks the calling thread for the window.
    /// </summary>
    internal static unsafe VipProbe ProbeAddress(IPAddress address, int index, byte[] mac, TimeSpan window, bool oneProbeRepliesOnly = false)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(mac);
        if (index == 0)
        {
            return VipProbe.Failed("cannot probe for the VIP: its interface has no IPv4 index");
        }
        var fd = Socket(AfPacket, SockDgram | SockNonblock, BinaryPrimitives.ReverseEndianness(EthPArp));
        if (fd < 0)
        {
            return VipProbe.Failed(Explain("open an ARP socket", Marshal.GetLastPInvokeError()));
        }
        try
        {
            // Bound to the interface: replies arriving on another one are no neighbour of the VIP's segment.
            var local = LinkAddress(index, broadcast: false);
            fixed (byte* me = local)
            {
                if (Bind(fd, me, (uint)local.Length) < 0)
                {
                    return VipProbe.Failed(Explain("bind an ARP socket", Marshal.GetLastPInvokeError()));
                }
            }
            var probe = ProbePacket(address, mac);
            var target = LinkAddress(index, broadcast: true);
            Span<byte> wanted = stackalloc byte[4];
            address.TryWriteBytes(wanted, out _);
            var answering = new SortedSet<string>(StringComparer.Ordinal);
            var received = new byte[64];
            var from = new byte[20];
            var start = Stopwatch.GetTimestamp();
            var probes = oneProbeRepliesOnly ? 1 : 2;
            var sent = 0;
            while (true)
            {
                var elapsed = Stopwatch.GetElapsedTime(start);
                if (sent < probes && elapsed >= window / 2 * sent)
                {
                    fixed (byte* data = probe)
                    fixed (byte* to = target)
                    {
                        if (SendTo(fd, data, (nuint)probe.Length, 0, to, (uint)target.Length) < 0)
                        {
                            return VipProbe.Failed(Explain("send an ARP probe", Marshal.GetLastPInvokeError()));
                        }
                    }
                    sent++;
                    continue;
                }
                if (elapsed >= window)
                {
                    return new VipProbe([.. answering], null);
                }
                var until = sent < probes ? window / 2 : window;
                var poll = new PollFd { Fd = fd, Events = PollIn };
                _ = Poll(&poll, 1, (int)Math.Ceiling(Math.Max(0, (until - elapsed).TotalMilliseconds)));
                while (true)
                {
                    var fromLength = (uint)from.Length;
                    nint length;
                    fixed (byte* buffer = received)
                    fixed (byte* sender = from)
                    {
                        length = RecvFrom(fd, buffer, (nuint)received.Length, MsgDontwait, sender, &fromLength);
                    }
                    if (length < 0)
                    {
                        break;
                    }
                    if (length >= 28 && from[10] != PacketOutgoing
                        && received.AsSpan(14, 4).SequenceEqual(wanted) && !received.AsSpan(8, 6).SequenceEqual(mac)
                        && (!oneProbeRepliesOnly || IsReplyToUs(received, from[10], mac)))
                    {
                        answering.Add(FormatMac(received.AsSpan(8, 6)));
                    }
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    // aa:bb:cc:dd:ee:ff, as ip and arping print it.
    private static string FormatMac(ReadOnlySpan<byte> mac) =>
        string.Join(':', Convert.ToHexStringLower(mac).Chunk(2).Select(pair => new string(pair)));

    // A reply to our probe: to our MAC, as a frame for this host (a bridge flooding another host's reply to a veth
    // shows it to a packet socket too), target address 0.0.0.0 as a probe's sender was.
    private static bool IsReplyToUs(byte[] arp, byte packetType, byte[] mac) =>
        packetType == PacketHost && arp[6] == 0 && arp[7] == 2
        && arp.AsSpan(18, 6).SequenceEqual(mac) && BinaryPrimitives.ReadUInt32BigEndian(arp.AsSpan(24)) == 0;

    // struct sockaddr_ll: family, protocol (network order), ifindex, hatype, pkttype, halen, addr[8].
    private static byte[] LinkAddress(int index, bool broadcast)
    {
        var address = new byte[20];
        BinaryPrimitives.WriteUInt16LittleEndian(address, AfPacket);
        BinaryPrimitives.WriteUInt16BigEndian(address.AsSpan(2), EthPArp);
        BinaryPrimitives.WriteInt32LittleEndian(address.AsSpan(4), index);
        if (broadcast)
        {
            address[11] = 6;
            address.AsSpan(12, 6).Fill(0xff);
        }
        return address;
    }
}
