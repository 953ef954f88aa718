using Pgway.Dcs;
using Pgway.Model;

namespace Pgway.Tests.Dcs;

public class LeaderRulesTests
{
    [Theory]
    [InlineData("/primary", 200, true)]
    [InlineData("/master", 200, true)]
    [InlineData("/read-write", 200, true)]
    [InlineData("/", 200, true)]
    [InlineData("/leader", 200, true)]
    [InlineData("/primary", 0, true)]
    [InlineData("/primary?tag_zone=a", 200, true)]
    [InlineData("/primary", 503, false)]
    [InlineData("/replica", 200, false)]
    [InlineData("/read-only", 200, false)]
    [InlineData("/read-only?lag=1MB", 200, false)]
    [InlineData("/sync", 200, false)]
    [InlineData("/health", 200, false)]
    public void IsPrimaryCheck_HttpPath_OnlyLeaderQuestions(string path, int expected, bool primary) =>
        Assert.Equal(primary, LeaderRules.IsPrimaryCheck(HealthCheck.Http(path, PortReference.Named(PortReference.Patroni), expected)));

    [Theory]
    [InlineData("/primary", true)]
    [InlineData("/read-write", true)]
    [InlineData("/read-only", false)]
    [InlineData("/replica", false)]
    public void IsPrimaryCheck_PostgresCheck_AsItsQuestion(string path, bool primary) =>
        Assert.Equal(primary, LeaderRules.IsPrimaryCheck(HealthCheck.Postgres(path)));

    [Fact]
    public void IsPrimaryCheck_NoCheck_False() => Assert.False(LeaderRules.IsPrimaryCheck(HealthCheck.Disabled));

    // The decision table: (service check, member, leader) → up, down, or left to the checks.
    [Theory]
    [InlineData("/primary", "pg-test-1", "pg-test-1", true)]
    [InlineData("/primary", "pg-test-2", "pg-test-1", false)]
    [InlineData("/primary", "pg-test-1", null, false)]
    [InlineData("/primary", "pg-test-2", null, false)]
    [InlineData("/primary", "pg-test-1", "pg-test-10", false)]
    [InlineData("/read-write", "pg-test-2", "pg-test-2", true)]
    [InlineData("/replica", "pg-test-1", "pg-test-2", null)]
    [InlineData("/replica", "pg-test-2", "pg-test-2", null)]
    [InlineData("/read-only", "pg-test-1", null, null)]
    public void Decide_Table(string path, string member, string? leader, bool? expected) =>
        Assert.Equal(expected, LeaderRules.Decide(HealthCheck.Http(path, PortReference.Named(PortReference.Patroni)), member, leader));
}
