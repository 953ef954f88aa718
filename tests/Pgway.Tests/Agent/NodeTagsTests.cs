using Newtonsoft.Json.Linq;
using Pgway.Agent;

namespace Pgway.Tests.Agent;

public class NodeTagsTests
{
    [Fact]
    public void From_InventoryMapping_ComparableTextAsPatroniMakesIt()
    {
        var tags = NodeTags.From(JObject.Parse("""
            { "nofailover": true, "noloadbalance": false, "zone": "East", "clonefrom": "TRUE",
              "priority": 10, "weight": 1.5, "big": -7, "gone": null }
            """));

        // Patroni compares strings as written and anything else as str(value).lower().
        Assert.Equal("true", tags.ComparableValue("nofailover"));
        Assert.Equal("false", tags.ComparableValue("noloadbalance"));
        Assert.Equal("East", tags.ComparableValue("zone"));
        Assert.Equal("TRUE", tags.ComparableValue("clonefrom"));
        Assert.Equal("10", tags.ComparableValue("priority"));
        Assert.Equal("1.5", tags.ComparableValue("weight"));
        Assert.Equal("-7", tags.ComparableValue("big"));
        Assert.Null(tags.ComparableValue("gone"));
        Assert.Null(tags.ComparableValue("missing"));
        Assert.Null(tags.ComparableValue("Zone"));
    }

    [Fact]
    public void From_InventoryMapping_ValuesKeepTheirJsonTypesWithoutNulls()
    {
        var tags = NodeTags.From(JObject.Parse("""{ "nofailover": true, "zone": "East", "priority": 10, "gone": null }"""));

        Assert.Equal(["nofailover", "priority", "zone"], tags.Values.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(JTokenType.Boolean, tags.Values["nofailover"].Type);
        Assert.Equal(JTokenType.String, tags.Values["zone"].Type);
        Assert.Equal(JTokenType.Integer, tags.Values["priority"].Type);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("{}")]
    [InlineData("""{ "gone": null }""")]
    public void From_NoTags_NothingSetAndFlagsOff(string? json)
    {
        var tags = NodeTags.From(json is null ? null : JObject.Parse(json));

        Assert.Empty(tags.Values);
        Assert.False(tags.NoLoadBalance);
        Assert.False(tags.NoFailover);
    }

    /// <summary>The value of the flag tag, as JSON, and whether the flag is on.</summary>
    public static TheoryData<string, bool> Flags => new()
    {
        { "true", true },
        { "\"true\"", true },
        { "\"TRUE\"", true },
        { "\"yes\"", true },
        { "\"Yes\"", true },
        { "\"on\"", true },
        { "\"1\"", true },
        { "1", true },
        { "2", true },
        { "false", false },
        { "0", false },
        { "null", false },
        // Patroni reads the flags with Python's bool(): any non-empty string is on, even "false".
        { "\"false\"", true },
        { "\"no\"", true },
        { "\"\"", false },
    };

    [Theory]
    [MemberData(nameof(Flags))]
    public void NoLoadBalance_TagValue_ReadAsPythonBool(string value, bool expected)
    {
        var tags = NodeTags.From(JObject.Parse($$"""{ "noloadbalance": {{value}} }"""));

        Assert.Equal(expected, tags.NoLoadBalance);
        Assert.False(tags.NoFailover);
    }

    [Theory]
    [MemberData(nameof(Flags))]
    public void NoFailover_TagValue_ReadAsPythonBool(string value, bool expected)
    {
        var tags = NodeTags.From(JObject.Parse($$"""{ "nofailover": {{value}} }"""));

        Assert.Equal(expected, tags.NoFailover);
        Assert.False(tags.NoLoadBalance);
    }

    [Fact]
    public void From_KeyValuePairs_TrueAndFalseBecomeBooleansOthersStayText()
    {
        var tags = NodeTags.From(
        [
            KeyValuePair.Create("noloadbalance", "true"),
            KeyValuePair.Create("nofailover", "False"),
            KeyValuePair.Create("zone", "East"),
            KeyValuePair.Create("priority", "10"),
            KeyValuePair.Create("shout", "TRUE"),
            KeyValuePair.Create("empty", ""),
        ]);

        Assert.True(tags.NoLoadBalance);
        Assert.False(tags.NoFailover);
        Assert.Equal(JTokenType.Boolean, tags.Values["noloadbalance"].Type);
        Assert.Equal(JTokenType.Boolean, tags.Values["nofailover"].Type);
        Assert.Equal("false", tags.ComparableValue("nofailover"));
        Assert.Equal(JTokenType.String, tags.Values["priority"].Type);
        Assert.Equal("10", tags.ComparableValue("priority"));
        Assert.Equal("East", tags.ComparableValue("zone"));
        Assert.Equal(JTokenType.String, tags.Values["shout"].Type);
        Assert.Equal("TRUE", tags.ComparableValue("shout"));
        Assert.Equal("", tags.ComparableValue("empty"));
    }

    [Fact]
    public void From_NoPairs_NoTags()
    {
        var tags = NodeTags.From(Array.Empty<KeyValuePair<string, string>>());

        Assert.Empty(tags.Values);
        Assert.Null(tags.ComparableValue("noloadbalance"));
    }
}
