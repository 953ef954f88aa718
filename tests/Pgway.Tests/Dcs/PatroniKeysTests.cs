using Pgway.Dcs;

namespace Pgway.Tests.Dcs;

public class PatroniKeysTests
{
    [Theory]
    [InlineData("/pg", "/pg/pg-test/leader")]
    [InlineData("pg", "/pg/pg-test/leader")]
    [InlineData("/service/", "/service/pg-test/leader")]
    public void Leader_AnyNamespaceSpelling_NamespaceScopeLeader(string space, string expected) =>
        Assert.Equal(expected, new PatroniKeys(space, "pg-test").Leader);

    [Theory]
    [InlineData("/pg/pg-test/leader", PatroniKeyKind.Leader, null)]
    [InlineData("/pg/pg-test/members/pg-test-2", PatroniKeyKind.Member, "pg-test-2")]
    [InlineData("/pg/pg-test/members/", PatroniKeyKind.Other, null)]
    [InlineData("/pg/pg-test/members/pg-test-2/x", PatroniKeyKind.Other, null)]
    [InlineData("/pg/pg-test/config", PatroniKeyKind.Other, null)]
    [InlineData("/pg/pg-test/initialize", PatroniKeyKind.Other, null)]
    [InlineData("/pg/pg-test/leaderx", PatroniKeyKind.Other, null)]
    [InlineData("/pg/pg-test2/leader", PatroniKeyKind.Other, null)]
    [InlineData("/service/pg-test/leader", PatroniKeyKind.Other, null)]
    public void Parse_Key_KindAndMember(string key, PatroniKeyKind kind, string? member) =>
        Assert.Equal(new PatroniKey(kind, member), new PatroniKeys("/pg", "pg-test").Parse(key));
}
