using System.Net;
using Microsoft.Extensions.Time.Testing;
using Pgway.Model;
using Pgway.Vip;

namespace Pgway.Tests.Vip;

/// <summary>The node's interfaces as a set of (interface, address) pairs, with every action recorded.</summary>
internal sealed class FakeAddressTable : IVipAddressTable
{
    public HashSet<(string Device, IPAddress Address)> Present { get; } = [];

    public List<string> Actions { get; } = [];

    public string Device { get; set; } = "eth9";

    public string? ResolveError { get; set; }

    /// <summary>Set: every add and remove fails with this, as <c>ip</c> does without CAP_NET_ADMIN.</summary>
    public string? FailWith { get; set; }

    public (string? Interface, string? Error) Resolve(ClusterVip vip, string nodeAddress) =>
        ResolveError is null ? (Device, null) : (null, ResolveError);

    public IReadOnlyList<string> Holders(IPAddress address) => [.. Present.Where(p => p.Address.Equals(address)).Select(p => p.Device).Order(StringComparer.Ordinal)];

    public VipOutcome Add(ClusterVip vip, string device)
    {
        Actions.Add($"add {vip.Cidr} {device}");
        if (FailWith is { } error)
        {
            return VipOutcome.Failed(error);
        }
        Present.Add((device, vip.Address));
        return VipOutcome.Done;
    }

    public VipOutcome Remove(ClusterVip vip, string device)
    {
        Actions.Add($"del {vip.Cidr} {device}");
        if (FailWith is { } error)
        {
            return VipOutcome.Failed(error);
        }
        Present.Remove((device, vip.Address));
        return VipOutcome.Done;
    }
}

/// <summary>Records when each announcement and each probe was sent; the probes find <see cref="OtherHolders"/>.</summary>
internal sealed class FakeAnnouncer(FakeTimeProvider time) : IVipAnnouncer
{
    public List<DateTimeOffset> Sent { get; } = [];

    public List<DateTimeOffset> Probes { get; } = [];

    /// <summary>The MACs of other hosts that answer for the VIP (another node slow to let it go).</summary>
    public List<string> OtherHolders { get; } = [];

    public VipOutcome Announce(ClusterVip vip, string device)
    {
        Sent.Add(time.GetUtcNow());
        return VipOutcome.Done;
    }

    public VipProbe Probe(ClusterVip vip, string device, TimeSpan window)
    {
        Probes.Add(time.GetUtcNow());
        return new VipProbe([.. OtherHolders], null);
    }
}

/// <summary>What the DCS and the checks say, set by the test.</summary>
internal sealed class FakeLeadership : IVipLeadership
{
    public VipSignal Signal { get; set; } = new(VipDcsState.NotRead, null, null, false, "not checked yet");

    public VipSignal Read() => Signal;
}
