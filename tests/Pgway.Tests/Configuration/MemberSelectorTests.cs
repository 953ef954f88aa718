using Newtonsoft.Json.Linq;
using Pgway.Configuration;

namespace Pgway.Tests.Configuration;

public class MemberSelectorTests
{
    [Theory]
    [InlineData("[? pg_role == `primary`]", "[? pg_role == `\"primary\"`]")]
    [InlineData("[? pg_role == `\"primary\"`]", "[? pg_role == `\"primary\"`]")]
    [InlineData("[? pg_weight > `10`]", "[? pg_weight > `10`]")]
    [InlineData("[? pg_offline_query == `true`]", "[? pg_offline_query == `true`]")]
    [InlineData("[? name == 'a`b']", "[? name == 'a`b']")]
    [InlineData("[? note == `x\\`y`]", "[? note == `\"x\\`y\"`]")]
    [InlineData("[? pg_role == ` replica`]", "[? pg_role == `\"replica\"`]")]
    [InlineData("[? pg_role == `\\u0072eplica`]", "[? pg_role == `\"\\u0072eplica\"`]")]
    [InlineData("[? pg_role == `re\\plica`]", "[? pg_role == `re\\plica`]")]
    [InlineData("[]", "[]")]
    public void RewriteLegacyLiterals_NonJsonLiteral_BecomesJsonString(string input, string expected) =>
        Assert.Equal(expected, MemberSelector.RewriteLegacyLiterals(input));

    [Theory]
    [InlineData("[]", "a,b,c")]
    [InlineData("[? pg_role == `primary`]", "a")]
    [InlineData("[? pg_role == `offline` || pg_offline_query ]", "b,c")]
    [InlineData("[? pg_role == `replica` && !pg_offline_query]", "")]
    [InlineData("[].inventory_hostname", "a,b,c")]
    public void Select_PigstySelectors_PickByVariables(string selector, string expected)
    {
        var instances = JArray.Parse("""
            [ { "inventory_hostname": "a", "pg_role": "primary" },
              { "inventory_hostname": "b", "pg_role": "replica", "pg_offline_query": true },
              { "inventory_hostname": "c", "pg_role": "offline" } ]
            """);

        var selected = MemberSelector.Compile(selector, out var error)!.Select(instances);

        Assert.Null(error);
        Assert.Equal(expected, string.Join(',', selected.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void Select_NotAList_Throws()
    {
        var selector = MemberSelector.Compile("[0]", out _)!;

        var e = Assert.Throws<InvalidOperationException>(() => selector.Select(JArray.Parse("""[{"inventory_hostname": "a"}]""")));
        Assert.Contains("must give a list of instances", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_BadSyntax_ReportsError()
    {
        Assert.Null(MemberSelector.Compile("[? pg_role == ", out var error));
        Assert.NotNull(error);
    }
}
