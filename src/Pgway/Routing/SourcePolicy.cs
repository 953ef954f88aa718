using System.Net;
using Pgway.Model;

namespace Pgway.Routing;

/// <summary>
/// HAProxy's <c>source</c>: a hash of the client's address picks a slot on the members' weighted
/// map, so one client keeps reaching the same member while the set of usable members stays the
/// same. A full member passes the client to the next slot with room.
/// </summary>
internal sealed class SourcePolicy : ILoadBalancingPolicy
{
    public BalanceAlgorithm Algorithm => BalanceAlgorithm.Source;

    public int? Pick(IReadOnlyList<Candidate> eligible, uint clientKey)
    {
        ArgumentNullException.ThrowIfNull(eligible);
        long total = 0;
        foreach (var member in eligible)
        {
            total += member.Weight;
        }
        if (total == 0)
        {
            return null;
        }
        var slot = clientKey % total;
        var start = 0;
        for (long seen = 0; start < eligible.Count; start++)
        {
            seen += eligible[start].Weight;
            if (slot < seen)
            {
                break;
            }
        }
        for (var i = 0; i < eligible.Count; i++)
        {
            var member = eligible[(start + i) % eligible.Count];
            if (member.HasRoom)
            {
                return member.Index;
            }
        }
        return null;
    }

    /// <summary>A stable hash of a client address (the same on every run, unlike <c>GetHashCode</c>).</summary>
    public static uint KeyOf(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bytes = (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).GetAddressBytes();
        // FNV-1a, then a final mix so neighbouring addresses spread over the map.
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }
        hash ^= hash >> 16;
        hash *= 0x85EBCA6Bu;
        hash ^= hash >> 13;
        return hash;
    }
}
