using System.Net;
using Pgway.Dns;

namespace Pgway.Tests.Dns;

/// <summary>TCP connections admitted per address: the overall bound, and the bound per source that keeps one client from holding all of it.</summary>
public sealed class DnsTcpAdmissionTests
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress B = IPAddress.Parse("10.0.0.2");

    [Fact]
    public void TryAdmit_OneSourcePastItsCap_RefusedOthersAdmitted()
    {
        var admission = new DnsTcpAdmission(maxConnections: 10, maxPerSource: 2);

        Assert.Equal(DnsTcpAdmissionResult.Admitted, admission.TryAdmit(A));
        Assert.Equal(DnsTcpAdmissionResult.Admitted, admission.TryAdmit(A));
        Assert.Equal(DnsTcpAdmissionResult.TooManyFromSource, admission.TryAdmit(A));
        Assert.Equal(DnsTcpAdmissionResult.Admitted, admission.TryAdmit(B));
        Assert.Equal(3, admission.Open);
    }

    [Fact]
    public void TryAdmit_PastTheOverallCap_RefusedWhateverTheSource()
    {
        var admission = new DnsTcpAdmission(maxConnections: 3, maxPerSource: 2);
        admission.TryAdmit(A);
        admission.TryAdmit(A);
        admission.TryAdmit(B);

        Assert.Equal(DnsTcpAdmissionResult.TooManyConnections, admission.TryAdmit(B));
        Assert.Equal(DnsTcpAdmissionResult.TooManyConnections, admission.TryAdmit(IPAddress.Parse("10.0.0.3")));
    }

    [Fact]
    public void Release_FreesTheSourcesSlotAndTheOverallOne()
    {
        var admission = new DnsTcpAdmission(maxConnections: 2, maxPerSource: 2);
        admission.TryAdmit(A);
        admission.TryAdmit(A);

        admission.Release(A);

        Assert.Equal(1, admission.Open);
        Assert.Equal(DnsTcpAdmissionResult.Admitted, admission.TryAdmit(A));
        admission.Release(A);
        admission.Release(A);
        Assert.Equal(0, admission.Open);
        // A release without an admission (none left) changes nothing.
        admission.Release(A);
        Assert.Equal(0, admission.Open);
    }

    // A dual-stack listener shows an IPv4 client as ::ffff:a.b.c.d: one source however it is written.
    [Fact]
    public void TryAdmit_Ipv4MappedAddress_SameSource()
    {
        var admission = new DnsTcpAdmission(maxConnections: 10, maxPerSource: 1);
        admission.TryAdmit(A);

        Assert.Equal(DnsTcpAdmissionResult.TooManyFromSource, admission.TryAdmit(A.MapToIPv6()));
    }
}
