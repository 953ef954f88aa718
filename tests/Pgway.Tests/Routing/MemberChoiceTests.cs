using Pgway.Routing;

namespace Pgway.Tests.Routing;

public class MemberChoiceTests
{
    // Members written as "a+" (active, up), "a-" (active, down), "B+" (backup, up), "a0" (up, weight 0).
    private static List<Candidate> Members(string spec) => [.. spec.Split(' ').Select((m, i) => new Candidate(
        i, IsUp: m[1] != '-', IsBackup: char.IsUpper(m[0]), Weight: m[1] == '0' ? 0 : 100, Sessions: 0, MaxConn: 0))];

    [Theory]
    [InlineData("a+ b+ C+", false, "0 1")]        // actives only while any is up
    [InlineData("a- b+ C+", false, "1")]
    [InlineData("a- b- C+ D+", false, "2")]       // no active up: the first backup that is up
    [InlineData("a- b- C- D+ E+", false, "3")]
    [InlineData("a- b- C+ D+", true, "2 3")]      // allbackups: every backup that is up
    [InlineData("a- b- C- D-", false, "")]        // nobody up
    [InlineData("a0 b- C+", false, "2")]          // weight 0 takes no balanced traffic
    [InlineData("a0 b+ C+", false, "1")]
    public void Eligible_MembersUpAndDown_FollowsHaproxyBackupRules(string members, bool allBackups, string expected)
    {
        var eligible = MemberChoice.Eligible(Members(members), allBackups);

        Assert.Equal(expected, string.Join(' ', eligible.Select(c => c.Index)));
    }
}
