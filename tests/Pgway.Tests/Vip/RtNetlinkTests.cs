using System.Buffers.Binary;
using System.Net;
using Pgway.Vip;

namespace Pgway.Tests.Vip;

/// <summary>The routing-socket requests pgway sends to move a VIP, byte for byte as <c>ip addr add|del</c> sends them, and the kernel's acknowledgements read back.</summary>
public sealed class RtNetlinkTests
{
    [Fact]
    public void Request_AddIPv4_NewAddrCreateExclusiveWithLocalAndAddress()
    {
        var request = RtNetlink.Request(add: true, IPAddress.Parse("198.51.100.2"), 24, 7, noDad: true, sequence: 42);

        Assert.Equal(
            Convert.FromHexString(
                "28000000" + "1400" + "0506" + "2a000000" + "00000000"   // nlmsghdr: 40 bytes, RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE, seq 42
                + "02" + "18" + "00" + "00" + "07000000"                  // ifaddrmsg: AF_INET, /24, no flags (nodad is IPv6 only), universe, index 7
                + "0800" + "0200" + "c6336402"                            // IFA_LOCAL 198.51.100.2
                + "0800" + "0100" + "c6336402"),                          // IFA_ADDRESS 198.51.100.2
            request);
    }

    [Fact]
    public void Request_DeleteIPv6_DelAddrWithoutCreateAndNodadKeptOnlyOnAdd()
    {
        var delete = RtNetlink.Request(add: false, IPAddress.Parse("fd00:db8::50"), 64, 3, noDad: true, sequence: 1);
        var add = RtNetlink.Request(add: true, IPAddress.Parse("fd00:db8::50"), 64, 3, noDad: true, sequence: 1);

        Assert.Equal(64, delete.Length);
        Assert.Equal(21, BinaryPrimitives.ReadUInt16LittleEndian(delete.AsSpan(4)));
        Assert.Equal(0x5, BinaryPrimitives.ReadUInt16LittleEndian(delete.AsSpan(6)));
        Assert.Equal([10, 64], delete.AsSpan(16, 2).ToArray());
        Assert.Equal(0x02, add[18]);
        Assert.Equal(IPAddress.Parse("fd00:db8::50").GetAddressBytes(), delete.AsSpan(28, 16).ToArray());
    }

    [Fact]
    public void Answer_ErrorForOurSequenceAfterAnotherMessage_ReadsTheErrorNumber()
    {
        var other = Message(type: 3, sequence: 9, payload: []);
        var ours = Message(type: 2, sequence: 42, payload: BitConverter.GetBytes(-17));

        Assert.Equal(17, RtNetlink.Answer([.. other, .. ours], 42));
        Assert.Equal(0, RtNetlink.Answer(Message(type: 2, sequence: 42, payload: BitConverter.GetBytes(0)), 42));
        Assert.Null(RtNetlink.Answer(Message(type: 2, sequence: 41, payload: BitConverter.GetBytes(-1)), 42));
        Assert.Null(RtNetlink.Answer([0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0], 42));
    }

    private static byte[] Message(ushort type, int sequence, byte[] payload)
    {
        var message = new byte[16 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), type);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(8), sequence);
        payload.CopyTo(message, 16);
        return message;
    }
}
