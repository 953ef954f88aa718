using System.Collections.Immutable;
using System.Net;
using Pgway.Configuration;
using Pgway.Model;

namespace Pgway.Pooling.Authentication;

/// <summary>One line of an hba file: connection type, databases, users, address, method.</summary>
/// <param name="Type"><c>local</c>, <c>host</c>, <c>hostssl</c> or <c>hostnossl</c>.</param>
/// <param name="Databases">Names, or the keywords <c>all</c> and <c>sameuser</c>.</param>
/// <param name="Users">Names, or the keyword <c>all</c>.</param>
/// <param name="Network">The client network; null for <c>local</c> or <c>all</c>.</param>
internal sealed record HbaRule(string Type, ImmutableArray<HbaName> Databases, ImmutableArray<HbaName> Users, IPNetwork? Network, HbaMethod Method, SourceLocation Location)
{
    public bool Matches(HbaConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var typeMatches = Type switch
        {
            "local" => connection.Address is null,
            "host" => connection.Address is not null,
            "hostssl" => connection.Address is not null && connection.Tls,
            _ => connection.Address is not null && !connection.Tls,
        };
        return typeMatches
            && Databases.Any(d => d.IsKeyword
                ? d.Value == "all" || (d.Value == "sameuser" && connection.Database == connection.User)
                : d.Value == connection.Database)
            && Users.Any(u => u.IsKeyword ? u.Value == "all" : u.Value == connection.User)
            && (Network is not { } network || (connection.Address is { } address && network.Contains(Normalize(address, network))));
    }

    // An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d; IPv4 rules must still match it.
    private static IPAddress Normalize(IPAddress address, IPNetwork network) =>
        address.IsIPv4MappedToIPv6 && network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? address.MapToIPv4() : address;
}
