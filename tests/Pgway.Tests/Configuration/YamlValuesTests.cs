using Newtonsoft.Json.Linq;
using Pgway.Configuration;

namespace Pgway.Tests.Configuration;

public class YamlValuesTests
{
    [Theory]
    [InlineData("", JTokenType.Null, null)]
    [InlineData("~", JTokenType.Null, null)]
    [InlineData("null", JTokenType.Null, null)]
    [InlineData("true", JTokenType.Boolean, "True")]
    [InlineData("yes", JTokenType.Boolean, "True")]
    [InlineData("Off", JTokenType.Boolean, "False")]
    [InlineData("5432", JTokenType.Integer, "5432")]
    [InlineData("-3", JTokenType.Integer, "-3")]
    [InlineData("0x1F", JTokenType.Integer, "31")]
    [InlineData("010", JTokenType.Integer, "8")]
    [InlineData("1_000", JTokenType.Integer, "1000")]
    [InlineData("1.5", JTokenType.Float, "1.5")]
    [InlineData("1e3", JTokenType.String, "1e3")]
    [InlineData("primary", JTokenType.String, "primary")]
    [InlineData("10.10.10.11", JTokenType.String, "10.10.10.11")]
    [InlineData("30s", JTokenType.String, "30s")]
    public void ResolvePlain_Yaml11Scalar_TypedAsAnsibleDoes(string text, JTokenType type, string? expected)
    {
        var value = YamlValues.ResolvePlain(text);

        Assert.Equal(type, value.Type);
        Assert.Equal(expected, value.Value is null ? null : Convert.ToString(value.Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Load_QuotedNumber_StaysString()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                pg-x:
                  hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary, note: "5432" } }
                  vars: { pg_cluster: pg-x }
            """);

        Assert.Equal(JTokenType.String, topology.Clusters[0].Instances[0].Variables["note"]!.Type);
    }

    [Fact]
    public void Load_MergeKey_ExpandsAnchorAndExplicitKeysWin()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: &base { pg_seq: 1, pg_role: primary, pg_weight: 10 }
                    10.0.0.2: { <<: *base, pg_seq: 2, pg_role: replica }
                  vars: { pg_cluster: pg-x }
            """);

        var replica = topology.Clusters[0].Instances[1];
        Assert.Equal((2, Pgway.Model.InstanceRole.Replica, 10), (replica.Seq, replica.Role, replica.Weight));
    }
}
