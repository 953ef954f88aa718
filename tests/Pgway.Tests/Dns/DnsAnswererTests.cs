using System.Collections.Immutable;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Pgway.Dns;

namespace Pgway.Tests.Dns;

/// <summary>The answers from a zone made of fake cluster views: every name kind, negative answers, case, TTL and truncation.</summary>
public sealed class DnsAnswererTests
{
    private static readonly IPAddress Node1 = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress Node2 = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress Node3 = IPAddress.Parse("fd00::3");
    private static readonly IPAddress Vip = IPAddress.Parse("10.0.0.9");

    // pg-test: 1 primary, 2 replica, 3 an IPv6 replica that is down in the replica service.
    private static DnsClusterView Cluster(string suffix = ".pigsty", ImmutableArray<IPAddress>? target = null) => new(
        "pg-test", suffix, target ?? [Node1],
        [("pg-test-1", Node1), ("pg-test-2", Node2), ("pg-test-3", Node3)],
        [new DnsServiceView("primary", 5433, [Node1]), new DnsServiceView("replica", 5434, [Node2]), new DnsServiceView("offline", 5438, [])],
        [Node1], [Node2], [Node1, Node2],
        [new DnsEntryPoint("pg-test-1", Node1), new DnsEntryPoint("pg-test-2", Node2), new DnsEntryPoint("pg-test-3", Node3)]);

    private static DnsReply Ask(string name, RecordType type, DnsClusterView? cluster = null, DnsOptions? options = null, bool udp = true, ushort? edns = null)
    {
        var query = new DnsMessage { TransactionID = 0 };
        query.Questions.Add(new DnsQuestion(DomainName.Parse(name), type, RecordClass.INet));
        if (edns is { } size)
        {
            query.EDnsOptions = new OptRecord(size);
        }
        var zone = DnsZoneBuilder.Build([cluster ?? Cluster()]);
        return new DnsAnswerer(options ?? DnsOptions.Default).Answer(query, zone, udp);
    }

    // A query built by the test (EDNS, flags, odd labels or classes), answered from the default cluster's zone over UDP.
    private static DnsReply Answer(DnsMessage query, DnsClusterView? cluster = null) =>
        new DnsAnswerer(DnsOptions.Default).Answer(query, DnsZoneBuilder.Build([cluster ?? Cluster()]), udp: true);

    private static DnsMessage QueryOf(DomainName name, RecordType type = RecordType.A, RecordClass recordClass = RecordClass.INet, bool recursionDesired = false)
    {
        var query = new DnsMessage { IsRecursionDesired = recursionDesired };
        query.Questions.Add(new DnsQuestion(name, type, recordClass));
        return query;
    }

    private static List<string> Addresses(DnsReply reply) =>
        [.. reply.Response.AnswerRecords.OfType<IAddressRecord>().Select(r => r.Address.ToString()).Order(StringComparer.Ordinal)];

    [Theory]
    [InlineData("pg-test.pigsty", "10.0.0.1")]
    [InlineData("pg-test-2.pigsty", "10.0.0.2")]
    [InlineData("primary.pg-test.pigsty", "10.0.0.1")]
    [InlineData("replica.pg-test.pigsty", "10.0.0.2")]
    [InlineData("pg-test-entry.pigsty", "10.0.0.1,10.0.0.2")]
    [InlineData("primary.pg-test.service.consul", "10.0.0.1")]
    [InlineData("master.pg-test.service.consul", "10.0.0.1")]
    [InlineData("replica.pg-test.service.consul", "10.0.0.2")]
    [InlineData("pg-test.service.consul", "10.0.0.1,10.0.0.2")]
    public void Answer_EachNameKind_AuthoritativeAddresses(string name, string expected)
    {
        var reply = Ask(name, RecordType.A);

        Assert.Equal(DnsResult.Answer, reply.Result);
        Assert.Equal(ReturnCode.NoError, reply.Response.ReturnCode);
        Assert.True(reply.Response.IsAuthoritiveAnswer);
        Assert.False(reply.Response.IsRecursionAllowed);
        Assert.Equal(expected.Split(','), Addresses(reply));
        Assert.Equal(name, reply.Name);
    }

    [Fact]
    public void Answer_Aaaa_OnlyIpv6Addresses()
    {
        var reply = Ask("pg-test-entry.pigsty", RecordType.Aaaa);

        Assert.Equal(["fd00::3"], Addresses(reply));
    }

    [Fact]
    public void Answer_Srv_OneRecordPerEntryPointWithTheServicePort()
    {
        var reply = Ask("_replica._tcp.pg-test.pigsty", RecordType.Srv);

        var records = reply.Response.AnswerRecords.OfType<SrvRecord>().ToList();
        Assert.Equal(["pg-test-1.pigsty", "pg-test-2.pigsty", "pg-test-3.pigsty"], records.Select(r => string.Join('.', r.Target.Labels)).Order(StringComparer.Ordinal));
        Assert.All(records, r => Assert.Equal(5434, r.Port));
    }

    [Fact]
    public void Answer_NoSuffix_ClusterAndInstanceNamesAreTheirOwnZones()
    {
        Assert.Equal(["10.0.0.1"], Addresses(Ask("pg-test", RecordType.A, Cluster(""))));
        Assert.Equal(["10.0.0.2"], Addresses(Ask("pg-test-2", RecordType.A, Cluster(""))));
        Assert.Equal(["10.0.0.2"], Addresses(Ask("replica.pg-test", RecordType.A, Cluster(""))));
        Assert.Equal(DnsResult.Refused, Ask("pg-test-9", RecordType.A, Cluster("")).Result);
    }

    [Fact]
    public void Answer_MixedCase_FoldedAndEchoedAsAsked()
    {
        var reply = Ask("PRIMARY.Pg-Test.PigSty", RecordType.A);

        Assert.Equal(["10.0.0.1"], Addresses(reply));
        Assert.Equal("PRIMARY.Pg-Test.PigSty", string.Join('.', reply.Response.AnswerRecords[0].Name.Labels));
        Assert.Equal("primary.pg-test.pigsty", reply.Name);
    }

    [Theory]
    [InlineData("nope.pg-test.pigsty")]
    [InlineData("pg-test-9.pigsty")]
    [InlineData("nope.service.consul")]
    public void Answer_UnknownNameInOwnZone_NxDomainWithSoa(string name)
    {
        var reply = Ask(name, RecordType.A);

        Assert.Equal(DnsResult.NxDomain, reply.Result);
        Assert.Equal(ReturnCode.NxDomain, reply.Response.ReturnCode);
        Assert.True(reply.Response.IsAuthoritiveAnswer);
        Assert.IsType<SoaRecord>(Assert.Single(reply.Response.AuthorityRecords));
        Assert.Equal(DnsAnswerer.OtherName, reply.Name);
    }

    [Theory]
    [InlineData("pg-test-1.pigsty", "Aaaa")]
    [InlineData("pg-test-1.pigsty", "Mx")]
    [InlineData("offline.pg-test.pigsty", "A")]
    [InlineData("_tcp.pg-test.pigsty", "A")]
    [InlineData("pigsty", "A")]
    public void Answer_NameWithoutThatData_NoDataWithSoa(string name, string type)
    {
        var reply = Ask(name, Enum.Parse<RecordType>(type));

        Assert.Equal(DnsResult.NoData, reply.Result);
        Assert.Equal(ReturnCode.NoError, reply.Response.ReturnCode);
        Assert.Empty(reply.Response.AnswerRecords);
        var soa = Assert.IsType<SoaRecord>(Assert.Single(reply.Response.AuthorityRecords));
        Assert.Equal(1, soa.NegativeCachingTTL);
    }

    [Fact]
    public void Answer_SoaAtApex_TheZonesSoa()
    {
        var reply = Ask("pg-test.pigsty", RecordType.Soa);

        var soa = Assert.IsType<SoaRecord>(Assert.Single(reply.Response.AnswerRecords));
        Assert.Equal("pg-test.pigsty", string.Join('.', soa.Name.Labels));
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("pigsty.example.com")]
    [InlineData("consul")]
    public void Answer_OutsideEveryZone_RefusedNotAuthoritative(string name)
    {
        var reply = Ask(name, RecordType.A);

        Assert.Equal(DnsResult.Refused, reply.Result);
        Assert.Equal(ReturnCode.Refused, reply.Response.ReturnCode);
        Assert.False(reply.Response.IsAuthoritiveAnswer);
        Assert.False(reply.Response.IsRecursionAllowed);
        Assert.Empty(reply.Response.AnswerRecords);
    }

    [Fact]
    public void Answer_TargetNone_ClusterNameExistsWithoutRecords()
    {
        var reply = Ask("pg-test.pigsty", RecordType.A, Cluster(target: []));

        Assert.Equal(DnsResult.NoData, reply.Result);
    }

    [Fact]
    public void Answer_TargetVip_TheVip()
    {
        Assert.Equal(["10.0.0.9"], Addresses(Ask("pg-test.pigsty", RecordType.A, Cluster(target: [Vip]))));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(30)]
    public void Answer_Ttl_EveryRecordAndTheNegativeAnswers(int seconds)
    {
        var options = DnsOptions.Default with { Ttl = TimeSpan.FromSeconds(seconds) };

        var answer = Ask("pg-test-entry.pigsty", RecordType.A, options: options);
        var negative = Ask("nope.pg-test.pigsty", RecordType.A, options: options);

        Assert.All(answer.Response.AnswerRecords, r => Assert.Equal(seconds, r.TimeToLive));
        var soa = (SoaRecord)negative.Response.AuthorityRecords[0];
        Assert.Equal(seconds, soa.TimeToLive);
        Assert.Equal(seconds, soa.NegativeCachingTTL);
    }

    [Fact]
    public void Answer_ManyRecords_BoundedByMaxAnswers()
    {
        var many = Cluster() with { EntryPoints = [.. Enumerable.Range(1, 100).Select(i => new DnsEntryPoint($"pg-test-{i}", IPAddress.Parse($"10.0.1.{i}")))] };

        var reply = Ask("pg-test-entry.pigsty", RecordType.A, many, udp: false);

        Assert.Equal(DnsOptions.Default.MaxAnswers, reply.Response.AnswerRecords.Count);
    }

    [Fact]
    public void Answer_UdpBeyond512WithoutEdns_TruncatedAndFits()
    {
        var many = Cluster() with { EntryPoints = [.. Enumerable.Range(1, 30).Select(i => new DnsEntryPoint($"pg-test-{i}", IPAddress.Parse($"fd00::{i}")))] };

        var udp = Ask("pg-test-entry.pigsty", RecordType.Aaaa, many);
        var tcp = Ask("pg-test-entry.pigsty", RecordType.Aaaa, many, udp: false);
        var edns = Ask("pg-test-entry.pigsty", RecordType.Aaaa, many, edns: 4096);

        Assert.True(udp.Response.IsTruncated);
        Assert.InRange(udp.Response.AnswerRecords.Count, 1, 29);
        // Each AAAA record is at most 2 + 10 + 16 bytes with compression, 49 without: 30 cannot fit in 512.
        Assert.False(tcp.Response.IsTruncated);
        Assert.Equal(30, tcp.Response.AnswerRecords.Count);
        // EDNS 4096 is held to 1232: more fits than in 512, and the answer says how much the client may send.
        Assert.True(edns.Response.AnswerRecords.Count > udp.Response.AnswerRecords.Count);
        Assert.Equal(1232, edns.Response.EDnsOptions!.UdpPayloadSize);
    }

    [Fact]
    public void Answer_TwoQuestions_FormatError()
    {
        var query = new DnsMessage();
        query.Questions.Add(new DnsQuestion(DomainName.Parse("pg-test.pigsty"), RecordType.A, RecordClass.INet));
        query.Questions.Add(new DnsQuestion(DomainName.Parse("pg-test-1.pigsty"), RecordType.A, RecordClass.INet));

        var reply = new DnsAnswerer(DnsOptions.Default).Answer(query, DnsZoneBuilder.Build([Cluster()]), udp: true);

        Assert.Equal(DnsResult.FormatError, reply.Result);
        Assert.Equal(ReturnCode.FormatError, reply.Response.ReturnCode);
    }

    [Fact]
    public void Answer_ZoneTransfer_NotImplemented()
    {
        Assert.Equal(DnsResult.NotImplemented, Ask("pg-test.pigsty", RecordType.Axfr, udp: false).Result);
    }
    [Fact]
    public void Answer_EdnsVersion1_BadVersionWithOurOpt()
    {
        var query = QueryOf(DomainName.Parse("pg-test.pigsty"));
        query.EDnsOptions = new OptRecord(1232) { Version = 1 };

        var reply = Answer(query);

        Assert.Equal(DnsResult.BadVersion, reply.Result);
        Assert.Equal(ReturnCode.BadVersion, reply.Response.ReturnCode);
        Assert.Equal(0, reply.Response.EDnsOptions!.Version);
        Assert.Empty(reply.Response.AnswerRecords);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Answer_EdnsDnssecOk_CopiedIntoTheAnswer(bool dnssecOk)
    {
        var query = QueryOf(DomainName.Parse("pg-test.pigsty"));
        query.EDnsOptions = new OptRecord(1232) { IsDnsSecOk = dnssecOk };

        var reply = Answer(query);

        Assert.Equal(DnsResult.Answer, reply.Result);
        Assert.Equal(dnssecOk, reply.Response.EDnsOptions!.IsDnsSecOk);
    }

    // A label may hold a dot (dig 'primary\.pg-test.pigsty'): it is one label, not two, so none of our names.
    [Theory]
    [InlineData(new[] { "primary.pg-test", "pigsty" }, "NxDomain")]
    [InlineData(new[] { "pg-test-1.pigsty" }, "Refused")]
    [InlineData(new[] { "pg-test-1", "pigsty." }, "Refused")]
    public void Answer_DotInsideALabel_NotTheNameWithMoreLabels(string[] labels, string expected)
    {
        var reply = Answer(QueryOf(new DomainName(labels)));

        Assert.Equal(Enum.Parse<DnsResult>(expected), reply.Result);
        Assert.Empty(reply.Response.AnswerRecords);
    }

    // RFC 4343: only A to Z fold; the Kelvin sign lower-cases to k in Unicode, not in DNS.
    [Fact]
    public void Answer_UnicodeLetterThatFoldsToAscii_NotOurName()
    {
        var reply = Answer(QueryOf(new DomainName(["pg-\u212Av", "pigsty"])), Cluster() with { Name = "pg-kv" });

        Assert.Equal(DnsResult.NxDomain, reply.Result);
    }
    // A scanner's version.bind CH TXT is well formed: not a format error, just no zone of ours.
    [Fact]
    public void Answer_ChaosClass_RefusedNotFormatError()
    {
        var reply = Answer(QueryOf(DomainName.Parse("version.bind"), RecordType.Txt, RecordClass.Chaos, recursionDesired: true));

        Assert.Equal(DnsResult.Refused, reply.Result);
        Assert.Equal(ReturnCode.Refused, reply.Response.ReturnCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Answer_RecursionDesired_EchoedNeverOffered(bool desired)
    {
        var reply = Answer(QueryOf(DomainName.Parse("pg-test.pigsty"), recursionDesired: desired));

        Assert.Equal(desired, reply.Response.IsRecursionDesired);
        Assert.False(reply.Response.IsRecursionAllowed);
    }
}
