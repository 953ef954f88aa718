using Pgway.Agent;

namespace Pgway.Tests.Agent;

/// <summary>Query strings read as Python's <c>parse_qs</c> reads them for Patroni (each expectation checked against it).</summary>
public class HealthQueryTests
{
    public static TheoryData<string, string, string> Decoded => new()
    {
        // query, key, value
        { "lag=1MB&lag=2MB", "lag", "1MB" },
        { "lag=&lag=1MB", "lag", "1MB" },
        { "lag&lag=5", "lag", "5" },
        { "&&lag=1&&", "lag", "1" },
        { "?lag=1", "lag", "1" },
        { "tag_x=a%20b", "tag_x", "a b" },
        { "tag_x=a+b", "tag_x", "a b" },
        { "tag_x=a%2Bb", "tag_x", "a+b" },
        { "tag_%78=y", "tag_x", "y" },
        { "a%3Db=c", "a=b", "c" },
        { "a=b=c", "a", "b=c" },
        { "tag_x=caf%C3%A9", "tag_x", "café" },
        { "lag=%zz", "lag", "%zz" },
        { "lag=%2", "lag", "%2" },
        { "lag=1MB;x=1", "lag", "1MB;x=1" },
        { "LAG=1", "LAG", "1" },
    };

    [Theory]
    [MemberData(nameof(Decoded))]
    public void Parse_ParseQsCases_ValueAsPython(string query, string key, string expected)
    {
        var parsed = HealthQuery.Parse(query);

        Assert.Equal(expected, parsed.Values[key]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("lag")]
    [InlineData("lag=")]
    [InlineData("lag=&replication_state=")]
    [InlineData("&&&")]
    public void Parse_NothingWithAValue_NoValues(string? query)
    {
        var parsed = HealthQuery.Parse(query);

        Assert.Empty(parsed.Values);
        Assert.Null(parsed.MaxLag);
        Assert.Null(parsed.ReplicationState);
        Assert.Empty(parsed.TagConditions);
    }

    [Fact]
    public void Parse_SeveralKeys_EachKeptOnce()
    {
        var parsed = HealthQuery.Parse("lag=1MB&replication_state=streaming&lag=2MB&tag_x=y&flag");

        Assert.Equal(
            new Dictionary<string, string> { ["lag"] = "1MB", ["replication_state"] = "streaming", ["tag_x"] = "y" },
            parsed.Values.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary());
    }

    public static TheoryData<string?, long?> Lags => new()
    {
        { null, null },
        { "replication_state=streaming", null },
        { "lag=16kB", 16 * 1024 },
        { "lag=1048576", 1024 * 1024 },
        { "lag=16+kB", 16 * 1024 },
        { "lag=16%20kB", 16 * 1024 },
        { "lag=0x10", 16 },
        { "lag=-1", -1 },
        { "lag=abc&lag=1MB", null },
        { "lag=&lag=1MB", 1024 * 1024 },
        { "lag=1mb", null },
        { "LAG=1MB", null },
    };

    [Theory]
    [MemberData(nameof(Lags))]
    public void MaxLag_Query_BytesOrNoLimit(string? query, long? expected)
    {
        Assert.Equal(expected, HealthQuery.Parse(query).MaxLag);
    }

    [Theory]
    [InlineData("replication_state=streaming", "streaming")]
    [InlineData("replication_state=in+archive+recovery", "in archive recovery")]
    [InlineData("replication_state=streaming&replication_state=stopped", "streaming")]
    [InlineData("lag=1MB", null)]
    [InlineData("replication_state=", null)]
    public void ReplicationState_Query_FirstNonBlankValue(string query, string? expected)
    {
        Assert.Equal(expected, HealthQuery.Parse(query).ReplicationState);
    }

    [Fact]
    public void TagConditions_MixedKeys_OnlyTagPrefixedWithPrefixRemoved()
    {
        var parsed = HealthQuery.Parse("tag_nofailover=true&lag=1MB&tagx=1&tag_zone=a+b&tag_zone=c&TAG_y=1&tag_=z&tag_empty=");

        Assert.Equal(
            [KeyValuePair.Create("", "z"), KeyValuePair.Create("nofailover", "true"), KeyValuePair.Create("zone", "a b")],
            parsed.TagConditions.OrderBy(p => p.Key, StringComparer.Ordinal));
    }
}
