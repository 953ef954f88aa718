using System.Collections.Immutable;
using System.Net;
using ARSoft.Tools.Net.Dns;
using Pgway.Dns;

namespace Pgway.Fuzz;

/// <summary>
/// The DNS server's input (src/Pgway/Dns): a UDP packet as it arrives. What the library cannot read as a message is
/// dropped (<see cref="DnsQueryReader"/> says so, whatever it throws, and for a response); every message it reads is answered from a
/// fixed zone, and the answer must be one pgway documents: NS records only at an apex, each naming a server whose name
/// the zone resolves, the additional section only those servers' addresses, and the SOA's MNAME a name of the zone.
/// </summary>
internal static class DnsQueryTarget
{
    private static readonly DnsOptions Options = DnsOptions.Default;

    private static readonly DnsZone Zone = DnsZoneBuilder.Build(
    [
        new DnsClusterView("pg-test", ".pigsty", [IPAddress.Parse("10.0.0.9")],
            [("pg-test-1", IPAddress.Parse("10.0.0.1")), ("pg-test-2", IPAddress.Parse("10.0.0.2")), ("pg-test-3", IPAddress.Parse("fd00::3"))],
            [new DnsServiceView("primary", 5433, [IPAddress.Parse("10.0.0.1")]), new DnsServiceView("replica", 5434, [IPAddress.Parse("10.0.0.2"), IPAddress.Parse("fd00::3")])],
            [IPAddress.Parse("10.0.0.1")], [IPAddress.Parse("10.0.0.2")], [IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2")],
            [.. Enumerable.Range(1, 40).Select(i => new DnsEntryPoint($"pg-test-{i}", IPAddress.Parse($"10.0.1.{i}")))]),
        new DnsClusterView("pg-meta", "", [], [("pg-meta-1", IPAddress.Parse("10.0.2.1"))], [], [], [], [], ImmutableArray<DnsEntryPoint>.Empty),
    ]);

    public static void Check(byte[] input)
    {
        if (DnsQueryReader.Read(new ArraySegment<byte>(input)) is not { } query)
        {
            // Dropped unanswered, as the transport does.
            return;
        }
        foreach (var udp in (bool[])[true, false])
        {
            var reply = new DnsAnswerer(Options).Answer(query, Zone, udp);
            var response = reply.Response;
            Expect(response.TransactionID == query.TransactionID, "the answer's id is not the query's");
            Expect(!response.IsQuery, "the answer is marked a query");
            Expect(!response.IsRecursionAllowed, "recursion offered");
            Expect(response.AnswerRecords.Count <= Options.MaxAnswers, $"{response.AnswerRecords.Count} records");
            Expect(udp || !response.IsTruncated, "truncated over TCP");
            Expect(response.IsAuthoritiveAnswer == reply.Result is DnsResult.Answer or DnsResult.NoData or DnsResult.NxDomain, $"AA {response.IsAuthoritiveAnswer} on {reply.Result}");
            Expect((reply.Result is DnsResult.NoData or DnsResult.NxDomain) == (response.AuthorityRecords.Count == 1) || response.IsTruncated, $"SOA {response.AuthorityRecords.Count} on {reply.Result}");
            Expect(reply.Name == DnsAnswerer.OtherName || Zone.Has(reply.Name), $"counted under '{reply.Name}', a name pgway does not answer");
            Expect(reply.Result != DnsResult.Answer || response.AnswerRecords.Count > 0, "an answer without records");
            CheckNameServers(response);
            Expect(response.ReturnCode == reply.Result switch
            {
                DnsResult.Answer or DnsResult.NoData => ReturnCode.NoError,
                DnsResult.NxDomain => ReturnCode.NxDomain,
                DnsResult.Refused => ReturnCode.Refused,
                DnsResult.FormatError => ReturnCode.FormatError,
                DnsResult.BadVersion => ReturnCode.BadVersion,
                _ => ReturnCode.NotImplemented,
            }, $"{response.ReturnCode} on {reply.Result}");
        }
    }

    private static void CheckNameServers(DnsMessage response)
    {
        var servers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var ns in response.AnswerRecords.OfType<NsRecord>())
        {
            Expect(Zone.IsApex(DnsZone.Key(ns.Name.Labels)), $"NS at {ns.Name}, not an apex");
            var target = DnsZone.Key(ns.NameServer.Labels);
            var lookup = Zone.Find(target);
            Expect(lookup.Kind == DnsLookupKind.Found && lookup.Node!.Addresses.Length == 1, $"NS {target} does not resolve to one address");
            servers[target] = lookup.Node!.Addresses[0].ToString();
        }
        var glue = response.AdditionalRecords.Where(r => r is not OptRecord).ToList();
        Expect(glue.Count <= servers.Count, $"{glue.Count} additional records for {servers.Count} name servers");
        foreach (var record in glue)
        {
            Expect(record is IAddressRecord address && servers.TryGetValue(DnsZone.Key(record.Name.Labels), out var expected) && expected == address.Address.ToString(),
                $"additional {record.Name} is not a name server's address");
        }
        foreach (var soa in response.AnswerRecords.Concat(response.AuthorityRecords).OfType<SoaRecord>())
        {
            var master = DnsZone.Key(soa.MasterName.Labels);
            var apex = DnsZone.Key(soa.Name.Labels);
            Expect(master == apex || Zone.ApexNode(apex).NameServers.Any(n => n.Name == master), $"SOA MNAME {master} names no server of {apex}");
            Expect(Zone.Find(master).Kind == DnsLookupKind.Found, $"SOA MNAME {master} does not exist");
        }
    }

    private static void Expect(bool condition, string broken)
    {
        if (!condition)
        {
            throw new FuzzInvariantException($"dns: {broken}");
        }
    }
}
