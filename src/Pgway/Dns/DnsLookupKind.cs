namespace Pgway.Dns;

/// <summary>Where a name stands in the zones pgway owns.</summary>
internal enum DnsLookupKind
{
    /// <summary>A name of a zone pgway owns (it may have no records now).</summary>
    Found,

    /// <summary>Under a zone pgway owns, but no such name: NXDOMAIN.</summary>
    NoSuchName,

    /// <summary>Outside every zone pgway owns: REFUSED, as pgway does not recurse.</summary>
    Outside,
}
