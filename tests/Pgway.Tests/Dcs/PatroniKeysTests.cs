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
    [InlineData("/pg/pg-test/leader", nameof(PatroniKeyKind.Leader), null)]
    [InlineData("/pg/pg-test/members/pg-test-2", nameof(PatroniKeyKind.Member), "pg-test-2")]
    [InlineData("/pg/pg-test/members/", nameof(PatroniKeyKind.Other), null)]
    [InlineData("/pg/pg-test/members/pg-test-2/x", nameof(PatroniKeyKind.Other), null)]
    [InlineData("/pg/pg-test/config", nameof(PatroniKeyKind.Other), null)]
    [InlineData("/pg/pg-test/initialize", nameof(PatroniKeyKind.Other), null)]
    [InlineData("/pg/pg-test/leaderx", nameof(PatroniKeyKind.Other), null)]
    [InlineData("/pg/pg-test2/leader", nameof(PatroniKeyKind.Other), null)]
    [InlineData("/service/pg-test/leader", nameof(PatroniKeyKind.Other), null)]
    public void Parse_Key_KindAndMember(string key, string kind, string? member) =>
        Assert.Equal(new PatroniKey(Enum.Parse<PatroniKeyKind>(kind), member), new PatroniKeys("/pg", "pg-test").Parse(key));
}
