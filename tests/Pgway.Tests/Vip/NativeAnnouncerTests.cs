using System.Net;
using Pgway.Vip;

namespace Pgway.Tests.Vip;

/// <summary>The announcement packets, byte for byte.</summary>
public sealed class NativeAnnouncerTests
{
    private static readonly byte[] Mac = [0x02, 0x00, 0x5e, 0x10, 0x20, 0x30];

    [Fact]
    public void ArpPacket_GratuitousRequest_SenderAndTargetTheVip()
    {
        var packet = NativeAnnouncer.ArpPacket(IPAddress.Parse("10.0.0.9"), Mac);

        Assert.Equal(Convert.FromHexString("0001080006040001" + "02005e102030" + "0a000009" + "000000000000" + "0a000009"), packet);
    }

    [Fact]
    public void ProbePacket_DuplicateAddressProbe_SenderAddressZeroTargetTheVip()
    {
        var packet = NativeAnnouncer.ProbePacket(IPAddress.Parse("10.0.0.9"), Mac);

        Assert.Equal(Convert.FromHexString("0001080006040001" + "02005e102030" + "00000000" + "000000000000" + "0a000009"), packet);
    }

    [Fact]
    public void NeighbourAdvertisement_OverrideWithTargetLinkLayerOption()
    {
        var packet = NativeAnnouncer.NeighbourAdvertisement(IPAddress.Parse("fd00::9"), Mac);

        Assert.Equal(Convert.FromHexString("88000000" + "20000000" + "fd000000000000000000000000000009" + "0201" + "02005e102030"), packet);
    }
}
