using System.Net;
using Pgway.Model;
using Pgway.Routing;

namespace Pgway.Tests.Routing;

public class LoadBalancingPolicyTests
{
    private static Candidate Member(int index, int weight = 100, int sessions = 0, int maxConn = 0) =>
        new(index, IsUp: true, IsBackup: false, weight, sessions, maxConn);

    private static string Picks(RoundRobinPolicy policy, IReadOnlyList<Candidate> members, int count) =>
        string.Join(' ', Enumerable.Range(0, count).Select(_ => policy.Pick(members, 0) is { } i ? ((char)('a' + i)).ToString() : "-"));

    [Theory]
    [InlineData(new[] { 1, 1, 1 }, "a b c a b c")]
    [InlineData(new[] { 5, 1, 1 }, "a a b a c a a")]      // smooth: the heavy member's turns are spread
    [InlineData(new[] { 2, 1 }, "a b a a b a")]
    [InlineData(new[] { 100, 100 }, "a b a b a b")]
    public void RoundRobin_Weights_SmoothWeightedOrder(int[] weights, string expected)
    {
        var members = weights.Select((w, i) => Member(i, w)).ToList();

        Assert.Equal(expected, Picks(new RoundRobinPolicy(), members, expected.Split(' ').Length));
    }

    [Fact]
    public void RoundRobin_FullMember_SkippedWithoutLosingOthersTurns()
    {
        var members = new List<Candidate> { Member(0), Member(1, maxConn: 1, sessions: 1), Member(2) };

        Assert.Equal("a c a c", Picks(new RoundRobinPolicy(), members, 4));
        Assert.Null(new RoundRobinPolicy().Pick([Member(0, maxConn: 2, sessions: 2)], 0));
    }

    [Theory]
    [InlineData(new[] { 3, 1, 2 }, new[] { 100, 100, 100 }, 1)]
    [InlineData(new[] { 2, 1 }, new[] { 2, 1 }, 0)]          // (2+1)/2 = 1.5 beats (1+1)/1 = 2
    [InlineData(new[] { 0, 5 }, new[] { 1, 100 }, 1)]        // (5+1)/100 beats (0+1)/1
    public void LeastConn_Loads_FewestConnectionsForTheWeight(int[] sessions, int[] weights, int expected)
    {
        var members = sessions.Select((s, i) => Member(i, weights[i], s)).ToList();

        Assert.Equal(expected, new LeastConnPolicy().Pick(members, 0));
    }

    [Fact]
    public void LeastConn_Ties_Rotate()
    {
        var members = new List<Candidate> { Member(0), Member(1), Member(2) };
        var policy = new LeastConnPolicy();

        var picks = Enumerable.Range(0, 3).Select(_ => policy.Pick(members, 0)).ToHashSet();

        Assert.Equal(3, picks.Count);
    }

    [Fact]
    public void First_FillsMembersInOrder()
    {
        var policy = new FirstPolicy();

        Assert.Equal(0, policy.Pick([Member(0, maxConn: 2, sessions: 1), Member(1)], 0));
        Assert.Equal(1, policy.Pick([Member(0, maxConn: 2, sessions: 2), Member(1)], 0));
        Assert.Null(policy.Pick([Member(0, maxConn: 1, sessions: 1), Member(1, maxConn: 1, sessions: 1)], 0));
    }

    [Fact]
    public void Source_SameClient_SameMemberWhileTheSetHolds()
    {
        var members = new List<Candidate> { Member(0), Member(1), Member(2) };
        var policy = new SourcePolicy();
        var client = SourcePolicy.KeyOf(IPAddress.Parse("10.1.2.3"));

        var first = policy.Pick(members, client);

        Assert.All(Enumerable.Range(0, 10), _ => Assert.Equal(first, policy.Pick(members, client)));
        Assert.Equal(SourcePolicy.KeyOf(IPAddress.Parse("10.1.2.3")), SourcePolicy.KeyOf(IPAddress.Parse("::ffff:10.1.2.3")));
    }

    [Fact]
    public void Source_ManyClients_SpreadByWeight()
    {
        var members = new List<Candidate> { Member(0, 300), Member(1, 100) };
        var policy = new SourcePolicy();

        var toHeavy = Enumerable.Range(0, 4096)
            .Count(i => policy.Pick(members, SourcePolicy.KeyOf(new IPAddress([10, 0, (byte)(i >> 8), (byte)i]))) == 0);

        // A quarter of the map belongs to the light member: expect about 3072 of 4096 on the heavy one.
        Assert.InRange(toHeavy, 2800, 3350);
    }

    [Fact]
    public void Source_MemberFull_NextSlotWithRoom()
    {
        var client = SourcePolicy.KeyOf(IPAddress.Parse("10.9.9.9"));
        var policy = new SourcePolicy();
        var chosen = policy.Pick([Member(0), Member(1)], client)!.Value;

        var full = new List<Candidate> { Member(0, maxConn: chosen == 0 ? 1 : 0, sessions: chosen == 0 ? 1 : 0), Member(1, maxConn: chosen == 1 ? 1 : 0, sessions: chosen == 1 ? 1 : 0) };

        Assert.Equal(1 - chosen, policy.Pick(full, client));
    }

    [Theory]
    [InlineData(nameof(BalanceAlgorithm.RoundRobin), typeof(RoundRobinPolicy))]
    [InlineData(nameof(BalanceAlgorithm.LeastConn), typeof(LeastConnPolicy))]
    [InlineData(nameof(BalanceAlgorithm.First), typeof(FirstPolicy))]
    [InlineData(nameof(BalanceAlgorithm.Source), typeof(SourcePolicy))]
    public void Create_Algorithm_PolicyOfThatName(string algorithmName, Type expected)
    {
        var algorithm = Enum.Parse<BalanceAlgorithm>(algorithmName);

        var policy = LoadBalancingPolicies.Create(algorithm);

        Assert.IsType(expected, policy);
        Assert.Equal(algorithm, policy.Algorithm);
    }
}
