using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Pgway.Dns;

/// <summary>
/// Answers one query from a <see cref="DnsZone"/>: authoritative (AA) inside the zones pgway owns, NXDOMAIN for a name
/// that does not exist there and NODATA for one without records of the type asked, both with the zone's SOA in the
/// authority section (RFC 2308); REFUSED outside them, never recursing (RA=0). NS at a zone's apex names the nodes that
/// serve it, their addresses in the additional section. A UDP answer fits the client's EDNS size (at most
/// <see cref="DnsOptions.MaxUdpPayload"/>, 512 bytes without EDNS): the additional records go first, then records are cut
/// from the end and the answer marked truncated (TC).
/// </summary>
internal sealed class DnsAnswerer(DnsOptions options)
{
    /// <summary>The label of queries for names pgway does not answer: metrics stay bounded whatever is asked.</summary>
    public const string OtherName = "other";

    private const int HeaderSize = 12;
    private const int OptSize = 11;
    private const int MinUdpPayload = 512;

    public DnsReply Answer(DnsMessage query, DnsZone zone, bool udp)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(zone);
        var response = query.CreateResponseInstance();
        response.IsRecursionAllowed = false;
        response.IsAuthenticData = false;
        var limit = udp ? MinUdpPayload : ushort.MaxValue;
        if (query.IsEDnsEnabled)
        {
            // Our own size is what the client may send us; the client's size, bounded, is what it gets (RFC 6891).
            response.EDnsOptions = new OptRecord((ushort)options.MaxUdpPayload) { IsDnsSecOk = query.EDnsOptions!.IsDnsSecOk };
            if (udp)
            {
                limit = Math.Clamp(query.EDnsOptions.UdpPayloadSize, MinUdpPayload, options.MaxUdpPayload);
            }
            if (query.EDnsOptions.Version > 0)
            {
                // RFC 6891 6.1.3: a version we do not speak is answered BADVERS with our own version (0), and nothing else.
                response.ReturnCode = ReturnCode.BadVersion;
                return new DnsReply(response, DnsResult.BadVersion, OtherName);
            }
        }
        if (query.OperationCode != OperationCode.Query)
        {
            response.ReturnCode = ReturnCode.NotImplemented;
            return new DnsReply(response, DnsResult.NotImplemented, OtherName);
        }
        if (query.Questions.Count != 1)
        {
            response.ReturnCode = ReturnCode.FormatError;
            return new DnsReply(response, DnsResult.FormatError, OtherName);
        }
        var question = query.Questions[0];
        if (question.RecordClass is not (RecordClass.INet or RecordClass.Any))
        {
            // A well-formed question of a class pgway holds no zone of (CHAOS's version.bind): not ours, as outside names.
            response.ReturnCode = ReturnCode.Refused;
            return new DnsReply(response, DnsResult.Refused, OtherName);
        }
        var name = DnsZone.Key(question.Name.Labels);
        var lookup = zone.Find(name);
        if (lookup.Kind == DnsLookupKind.Outside)
        {
            response.ReturnCode = ReturnCode.Refused;
            return new DnsReply(response, DnsResult.Refused, OtherName);
        }
        if (question.RecordType is RecordType.Axfr or RecordType.Ixfr)
        {
            // The answers change with the members' health: there is no zone to transfer.
            response.ReturnCode = ReturnCode.NotImplemented;
            return new DnsReply(response, DnsResult.NotImplemented, zone.Has(name) ? name : OtherName);
        }
        response.IsAuthoritiveAnswer = true;
        if (lookup.Kind == DnsLookupKind.NoSuchName)
        {
            response.ReturnCode = ReturnCode.NxDomain;
            response.AuthorityRecords.Add(Soa(lookup.Apex!, zone.ApexNode(lookup.Apex!)));
            Fit(response, limit);
            return new DnsReply(response, DnsResult.NxDomain, OtherName);
        }
        AddRecords(response, question, lookup.Node!, lookup.Apex!, name, query.TransactionID);
        if (response.AnswerRecords.Count == 0)
        {
            response.AuthorityRecords.Add(Soa(lookup.Apex!, zone.ApexNode(lookup.Apex!)));
            Fit(response, limit);
            return new DnsReply(response, DnsResult.NoData, name);
        }
        Fit(response, limit);
        return new DnsReply(response, DnsResult.Answer, name);
    }

    private void AddRecords(DnsMessage response, DnsQuestion question, DnsNode node, string apex, string name, ushort rotation)
    {
        // The owner is written as asked: resolvers that randomise the case (0x20) find their own name back.
        var owner = question.Name;
        var type = question.RecordType;
        var ttl = options.TtlSeconds;
        var any = type == RecordType.Any;
        var count = node.Addresses.Length;
        // Round robin: each query starts at another address, so clients that take the first spread over the nodes.
        for (var i = 0; i < count && response.AnswerRecords.Count < options.MaxAnswers; i++)
        {
            var address = node.Addresses[(i + rotation) % count];
            if (address.AddressFamily == AddressFamily.InterNetwork && (any || type == RecordType.A))
            {
                response.AnswerRecords.Add(new ARecord(owner, ttl, address));
            }
            else if (address.AddressFamily == AddressFamily.InterNetworkV6 && (any || type == RecordType.Aaaa))
            {
                response.AnswerRecords.Add(new AaaaRecord(owner, ttl, address));
            }
        }
        if (any || type == RecordType.Srv)
        {
            foreach (var target in node.Services)
            {
                if (response.AnswerRecords.Count >= options.MaxAnswers)
                {
                    break;
                }
                // Equal priority and weight: every entry point reaches the same members.
                response.AnswerRecords.Add(new SrvRecord(owner, ttl, 0, 1, (ushort)target.Port, DomainName.Parse(target.Target)));
            }
        }
        if (any || type == RecordType.Ns)
        {
            AddNameServers(response, owner, node);
        }
        if ((any || type == RecordType.Soa) && name == apex && response.AnswerRecords.Count < options.MaxAnswers)
        {
            response.AnswerRecords.Add(Soa(apex, node));
        }
    }

    // Only an apex has name servers. Their addresses go in the additional section (RFC 1034 4.3.2: a resolver asking
    // NS wants the servers' addresses), one per NS record answered; the TTL is the zone's, as for every record: the set
    // changes only with the inventory, and one TTL for all keeps --dns-ttl the one knob of what resolvers keep.
    private void AddNameServers(DnsMessage response, DomainName owner, DnsNode node)
    {
        var ttl = options.TtlSeconds;
        foreach (var server in node.NameServers)
        {
            if (response.AnswerRecords.Count >= options.MaxAnswers)
            {
                break;
            }
            var target = DomainName.Parse(server.Name);
            response.AnswerRecords.Add(new NsRecord(owner, ttl, target));
            response.AdditionalRecords.Add(server.Address.AddressFamily == AddressFamily.InterNetworkV6
                ? new AaaaRecord(target, ttl, server.Address)
                : new ARecord(target, ttl, server.Address));
        }
    }

    // The zone's SOA: its minimum is the TTL, so a resolver caches a negative answer no longer than a positive one.
    // The serial stays 1: nothing transfers the zone, and every node must answer alike. MNAME, the zone's primary
    // server (RFC 1035), is its first name server: every node serving the zone holds the same data, none is more
    // primary than another, and the first by address is the same on every node. A zone no node is known to serve
    // (no entry point with an address) names its apex instead of a name that would not exist.
    private SoaRecord Soa(string apex, DnsNode node)
    {
        var name = DomainName.Parse(apex);
        var ttl = options.TtlSeconds;
        var primary = node.NameServers.IsDefaultOrEmpty ? name : DomainName.Parse(node.NameServers[0].Name);
        return new SoaRecord(name, ttl, primary, DomainName.Parse("hostmaster." + apex), 1, 3600, 600, 86400, ttl);
    }

    // Drops the additional records first, without TC (RFC 2181 9: they are not what was asked), then records from the
    // end until the answer fits, marking it truncated: the client asks again over TCP. Sizes are counted without name
    // compression, so the encoded answer is never longer than counted. The OPT record (in the additional section) stays.
    private static void Fit(DnsMessage response, int limit)
    {
        var size = HeaderSize + (response.IsEDnsEnabled ? OptSize : 0);
        foreach (var question in response.Questions)
        {
            size += NameLength(question.Name) + 4;
        }
        var answers = Sum(response.AnswerRecords);
        var authority = Sum(response.AuthorityRecords);
        var additional = Sum(response.AdditionalRecords);
        if (size + answers + authority + additional > limit)
        {
            response.AdditionalRecords.RemoveAll(r => r is not OptRecord);
        }
        while (size + answers + authority > limit && response.AnswerRecords.Count > 0)
        {
            answers -= RecordLength(response.AnswerRecords[^1]);
            response.AnswerRecords.RemoveAt(response.AnswerRecords.Count - 1);
            response.IsTruncated = true;
        }
        if (size + answers + authority > limit)
        {
            response.AuthorityRecords.Clear();
            response.IsTruncated = true;
        }
    }

    private static int Sum(List<DnsRecordBase> records)
    {
        var total = 0;
        foreach (var record in records)
        {
            // The OPT record is counted once, in the header's share.
            if (record is not OptRecord)
            {
                total += RecordLength(record);
            }
        }
        return total;
    }

    private static int RecordLength(DnsRecordBase record) => NameLength(record.Name) + 10 + record switch
    {
        ARecord => 4,
        AaaaRecord => 16,
        SrvRecord srv => 6 + NameLength(srv.Target),
        NsRecord ns => NameLength(ns.NameServer),
        SoaRecord soa => NameLength(soa.MasterName) + NameLength(soa.ResponsibleName) + 20,
        _ => 255,
    };

    // Each label's length byte and text, and the root's zero byte.
    private static int NameLength(DomainName name) => name.Labels.Sum(l => l.Length + 1) + 1;
}
