using System.Collections.Immutable;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Pgway.Dns;

namespace Pgway.Tests.Dns;

/// <summary>
/// NS at every zone's apex: the nodes that serve the zone, under <c>ns.&lt;apex&gt;</c>, each name resolving to its node's
/// address in the same zone, the SOA's MNAME one of them, and the same answers whatever order the nodes come in.
/// </summary>
public sealed class DnsAnswererNameServerTests
{
    private const string V6Label = "fd00-0000-0000-0000-0000-0000-0000-0003";
    private static readonly IPAddress Node1 = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress Node2 = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress Node3 = IPAddress.Parse("fd00::3");

    private static DnsClusterView Cluster(string suffix = ".pigsty", string name = "pg-test", ImmutableArray<DnsEntryPoint>? entries = null) => new(
        name, suffix, [Node1],
        [($"{name}-1", Node1), ($"{name}-2", Node2), ($"{name}-3", Node3)],
        [new DnsServiceView("primary", 5433, [Node1]), new DnsServiceView("replica", 5434, [Node2])],
        [Node1], [Node2], [Node1, Node2],
        entries ?? [new DnsEntryPoint($"{name}-1", Node1), new DnsEntryPoint($"{name}-2", Node2), new DnsEntryPoint($"{name}-3", Node3)]);

    private static DnsReply Ask(string name, RecordType type, IEnumerable<DnsClusterView>? clusters = null, bool udp = false, ushort? edns = null, DnsOptions? options = null)
    {
        var query = new DnsMessage { TransactionID = 0 };
        query.Questions.Add(new DnsQuestion(DomainName.Parse(name), type, RecordClass.INet));
        if (edns is { } size)
        {
            query.EDnsOptions = new OptRecord(size);
        }
        return new DnsAnswerer(options ?? DnsOptions.Default).Answer(query, DnsZoneBuilder.Build(clusters ?? [Cluster()]), udp);
    }

    private static string Text(DomainName name) => string.Join('.', name.Labels);

    private static List<string> NameServers(DnsReply reply) => [.. reply.Response.AnswerRecords.OfType<NsRecord>().Select(r => Text(r.NameServer))];

    private static List<string> Glue(DnsReply reply) =>
        [.. reply.Response.AdditionalRecords.Where(r => r is ARecord or AaaaRecord).Select(r => $"{Text(r.Name)}={((IAddressRecord)r).Address}")];

    [Theory]
    [InlineData("pg-test.pigsty", ".pigsty")]
    [InlineData("pigsty", ".pigsty")]
    [InlineData("service.consul", ".pigsty")]
    [InlineData("pg-test", "")]
    [InlineData("pg-test-2", "")]
    [InlineData("pg-test-entry", "")]
    [InlineData("service.consul", "")]
    public void Answer_NsAtEachApex_EveryEntryPointNamedUnderTheApexWithItsAddress(string apex, string suffix)
    {
        var reply = Ask(apex, RecordType.Ns, [Cluster(suffix)]);

        Assert.Equal(DnsResult.Answer, reply.Result);
        Assert.True(reply.Response.IsAuthoritiveAnswer);
        Assert.Equal([$"10-0-0-1.ns.{apex}", $"10-0-0-2.ns.{apex}", $"{V6Label}.ns.{apex}"], NameServers(reply));
        Assert.All(reply.Response.AnswerRecords, r => Assert.Equal(apex, Text(r.Name)));
        Assert.Equal([$"10-0-0-1.ns.{apex}=10.0.0.1", $"10-0-0-2.ns.{apex}=10.0.0.2", $"{V6Label}.ns.{apex}=fd00::3"], Glue(reply));
        Assert.Empty(reply.Response.AuthorityRecords);
        Assert.False(reply.Response.IsTruncated);
    }

    // The glue is not the only place a server's address is: a resolver that asks for it finds it in the zone.
    [Theory]
    [InlineData("pg-test.pigsty")]
    [InlineData("pigsty")]
    [InlineData("service.consul")]
    public void Answer_EachNameServersName_ResolvesToItsNode(string apex)
    {
        foreach (var server in NameServers(Ask(apex, RecordType.Ns)))
        {
            var type = server.StartsWith(V6Label, StringComparison.Ordinal) ? RecordType.Aaaa : RecordType.A;
            var reply = Ask(server, type);

            Assert.Equal(DnsResult.Answer, reply.Result);
            Assert.True(reply.Response.IsAuthoritiveAnswer);
            var address = Assert.IsAssignableFrom<IAddressRecord>(Assert.Single(reply.Response.AnswerRecords)).Address;
            Assert.Equal(server.Split('.')[0], DnsNameServer.AddressLabel(address));
        }
    }

    // RFC 1035: MNAME names the zone's primary server; ns.<apex> named none, and did not resolve.
    [Theory]
    [InlineData("pg-test.pigsty", "Soa")]
    [InlineData("nope.pg-test.pigsty", "A")]
    [InlineData("offline.pg-test.pigsty", "A")]
    [InlineData("nope.pigsty", "A")]
    [InlineData("nope.service.consul", "A")]
    public void Answer_Soa_MnameIsTheFirstNameServerOfTheZone(string name, string type)
    {
        var reply = Ask(name, Enum.Parse<RecordType>(type));

        var soa = Assert.Single(reply.Response.AnswerRecords.Concat(reply.Response.AuthorityRecords).OfType<SoaRecord>());
        var apex = Text(soa.Name);
        Assert.Equal(NameServers(Ask(apex, RecordType.Ns))[0], Text(soa.MasterName));
        Assert.Equal(DnsResult.Answer, Ask(Text(soa.MasterName), RecordType.A).Result);
    }

    // Every node builds its zone from the same inventory, listing the nodes in its own order: the answers must not differ.
    [Fact]
    public void Answer_EntryPointsInAnotherOrder_SameNsAndSoa()
    {
        var reversed = Cluster(entries: [new DnsEntryPoint("pg-test-3", Node3), new DnsEntryPoint("pg-test-2", Node2), new DnsEntryPoint("pg-test-1", Node1)]);

        Assert.Equal(NameServers(Ask("pigsty", RecordType.Ns)), NameServers(Ask("pigsty", RecordType.Ns, [reversed])));
        Assert.Equal(
            Text(((SoaRecord)Ask("pigsty", RecordType.Soa).Response.AnswerRecords[0]).MasterName),
            Text(((SoaRecord)Ask("pigsty", RecordType.Soa, [reversed]).Response.AnswerRecords[0]).MasterName));
    }

    [Theory]
    [InlineData("primary.pg-test.pigsty", "Ns")]
    [InlineData("pg-test-1.pigsty", "Ns")]
    [InlineData("ns.pg-test.pigsty", "A")]
    [InlineData("ns.pigsty", "Ns")]
    public void Answer_NsBelowAnApex_NoDataWithSoa(string name, string type)
    {
        var reply = Ask(name, Enum.Parse<RecordType>(type));

        Assert.Equal(DnsResult.NoData, reply.Result);
        Assert.IsType<SoaRecord>(Assert.Single(reply.Response.AuthorityRecords));
        Assert.Empty(reply.Response.AdditionalRecords);
    }

    [Fact]
    public void Answer_Any_AtTheApexIncludesNs()
    {
        var reply = Ask("pg-test.pigsty", RecordType.Any);

        Assert.Equal(3, reply.Response.AnswerRecords.OfType<NsRecord>().Count());
        Assert.Single(reply.Response.AnswerRecords.OfType<SoaRecord>());
    }

    // A pg_service_provider group serves the cluster's names: its nodes, not the instances', are the name servers.
    [Fact]
    public void Answer_ServiceProvider_ProviderNodesServeTheZone()
    {
        var provided = Cluster(entries: [new DnsEntryPoint("pg-test-entry-1", IPAddress.Parse("10.0.5.1")), new DnsEntryPoint("pg-test-entry-2", IPAddress.Parse("10.0.5.2"))]);

        var reply = Ask("pg-test.pigsty", RecordType.Ns, [provided]);

        Assert.Equal(["10-0-5-1.ns.pg-test.pigsty", "10-0-5-2.ns.pg-test.pigsty"], NameServers(reply));
    }

    // A shared suffix zone is served by the nodes of every cluster in it; each cluster's own zone by its own nodes.
    [Fact]
    public void Answer_TwoClustersOneSuffix_SuffixZoneServedByBoth()
    {
        var meta = Cluster(name: "pg-meta", entries: [new DnsEntryPoint("pg-meta-1", IPAddress.Parse("10.0.9.1"))]);
        var both = new[] { Cluster(), meta };

        Assert.Equal(["10-0-0-1.ns.pigsty", "10-0-0-2.ns.pigsty", "10-0-9-1.ns.pigsty", $"{V6Label}.ns.pigsty"], NameServers(Ask("pigsty", RecordType.Ns, both)));
        Assert.Equal(["10-0-9-1.ns.pg-meta.pigsty"], NameServers(Ask("pg-meta.pigsty", RecordType.Ns, both)));
        Assert.Equal(3, NameServers(Ask("pg-test.pigsty", RecordType.Ns, both)).Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(30)]
    public void Answer_Ns_TheZonesTtlOnNsAndGlue(int seconds)
    {
        var reply = Ask("pigsty", RecordType.Ns, options: DnsOptions.Default with { Ttl = TimeSpan.FromSeconds(seconds) });

        Assert.All(reply.Response.AnswerRecords.Concat(reply.Response.AdditionalRecords), r => Assert.Equal(seconds, r.TimeToLive));
    }

    [Fact]
    public void Answer_ManyNodes_NsAndGlueBoundedByMaxAnswers()
    {
        var many = Cluster(entries: [.. Enumerable.Range(1, 100).Select(i => new DnsEntryPoint($"pg-test-{i}", IPAddress.Parse($"10.0.1.{i}")))]);

        var reply = Ask("pg-test.pigsty", RecordType.Ns, [many]);

        Assert.Equal(DnsOptions.Default.MaxAnswers, reply.Response.AnswerRecords.Count);
        Assert.Equal(DnsOptions.Default.MaxAnswers, reply.Response.AdditionalRecords.Count);
    }

    // RFC 2181 9: addresses a client did not ask for are left out when they do not fit, without TC; the NS records,
    // what it asked, fit.
    [Fact]
    public void Answer_UdpGlueDoesNotFit_GlueLeftOutNotTruncated()
    {
        var v6 = Cluster(entries: [.. Enumerable.Range(1, 4).Select(i => new DnsEntryPoint($"pg-test-{i}", IPAddress.Parse($"fd00::{i}")))]);

        var udp = Ask("pg-test.pigsty", RecordType.Ns, [v6], udp: true);
        var edns = Ask("pg-test.pigsty", RecordType.Ns, [v6], udp: true, edns: 1232);

        Assert.False(udp.Response.IsTruncated);
        Assert.Equal(4, udp.Response.AnswerRecords.Count);
        Assert.Empty(udp.Response.AdditionalRecords);
        Assert.Equal(4, Glue(edns).Count);
        Assert.NotNull(edns.Response.EDnsOptions);
    }

    [Fact]
    public void Answer_UdpNsDoNotFit_TruncatedWithoutGlueOptKept()
    {
        var many = Cluster(entries: [.. Enumerable.Range(1, 30).Select(i => new DnsEntryPoint($"pg-test-{i}", IPAddress.Parse($"fd00::{i}")))]);

        var reply = Ask("pg-test.pigsty", RecordType.Ns, [many], udp: true, edns: 512);

        Assert.True(reply.Response.IsTruncated);
        Assert.InRange(reply.Response.AnswerRecords.Count, 1, 29);
        Assert.Empty(Glue(reply));
        Assert.NotNull(reply.Response.EDnsOptions);
    }

    // No entry point with an address: no server to name; the SOA names its apex rather than a name that does not exist.
    [Fact]
    public void Answer_ZoneWithoutNodes_NoNsSoaNamesTheApex()
    {
        var none = Cluster(entries: []);

        var ns = Ask("pg-test.pigsty", RecordType.Ns, [none]);
        var soa = Assert.IsType<SoaRecord>(Assert.Single(ns.Response.AuthorityRecords));

        Assert.Equal(DnsResult.NoData, ns.Result);
        Assert.Equal("pg-test.pigsty", Text(soa.MasterName));
    }

    [Theory]
    [InlineData("10.10.10.11", "10-10-10-11")]
    [InlineData("fd00::3", V6Label)]
    [InlineData("::ffff:10.0.0.1", "10-0-0-1")]
    [InlineData("::1", "0000-0000-0000-0000-0000-0000-0000-0001")]
    public void AddressLabel_OneLabelWithoutDoubleOrEdgeDashes(string address, string expected)
    {
        var label = DnsNameServer.AddressLabel(IPAddress.Parse(address));

        Assert.Equal(expected, label);
        Assert.DoesNotContain("--", label, StringComparison.Ordinal);
        Assert.InRange(label.Length, 1, 63);
    }
}
