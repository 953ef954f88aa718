using Pgway.Health;
using Pgway.Model;

namespace Pgway.Tests.Health;

public class HealthCounterTests
{
    // Checks: P = passed, F = failed. States after each check: U up, GD going down, D down, GU going up.
    public static TheoryData<int, int, string, string> Sequences => new()
    {
        // A new server counts as up with health = rise: one failure takes it down at once.
        { 3, 3, "F", "D" },
        { 2, 3, "F", "D" },
        { 3, 3, "P", "U" },
        // From fully up, exactly `fall` consecutive failures mark it down.
        { 3, 3, "PFFF", "U GD GD D" },
        { 2, 3, "PFFF", "U GD GD D" },
        { 3, 1, "PF", "U D" },
        // A success in between restores full health.
        { 3, 3, "PFFPFF", "U GD GD U GD GD" },
        // From down, `rise` consecutive successes; one failure resets the count.
        { 3, 3, "FPP", "D GU GU" },
        { 3, 3, "FPPP", "D GU GU U" },
        { 3, 3, "FPPFPPP", "D GU GU D GU GU U" },
        { 1, 3, "FP", "D U" },
        { 2, 2, "FPPFF", "D GU U GD D" },
    };

    [Theory]
    [MemberData(nameof(Sequences))]
    public void After_Sequence_FollowsHaproxyStates(int rise, int fall, string checks, string expected)
    {
        var counter = HealthCounter.Initial(rise, fall);
        var states = new List<string>();
        foreach (var check in checks)
        {
            counter = counter.After(check == 'P');
            states.Add(counter.State switch
            {
                MemberHealthState.Up => "U",
                MemberHealthState.GoingDown => "GD",
                MemberHealthState.Down => "D",
                _ => "GU",
            });
        }

        Assert.Equal(expected, string.Join(' ', states));
    }

    [Fact]
    public void Initial_NeverChecked_IsUpWithHealthRise()
    {
        var counter = HealthCounter.Initial(3, 3);

        Assert.Equal(MemberHealthState.Up, counter.State);
        Assert.True(counter.IsUp);
        Assert.Equal(3, counter.Health);
        Assert.False(counter.Checked);
    }

    [Theory]
    [InlineData(3, 3, "", "fast")]      // never checked: in transition
    [InlineData(3, 3, "P", "inter")]    // fully up
    [InlineData(3, 3, "PF", "fast")]    // going down
    [InlineData(3, 3, "F", "down")]     // fully down
    [InlineData(3, 3, "FP", "fast")]    // going up
    [InlineData(3, 1, "", "inter")]     // fall 1: rise is already the top of the scale
    public void NextInterval_ByHealth_IsInterFastInterOrDownInter(int rise, int fall, string checks, string expected)
    {
        var options = ServerOptions.HaproxyDefaults with
        {
            Inter = TimeSpan.FromSeconds(2), FastInterSetting = TimeSpan.FromSeconds(1), DownInterSetting = TimeSpan.FromSeconds(5),
        };
        var counter = HealthCounter.Initial(rise, fall);
        foreach (var check in checks)
        {
            counter = counter.After(check == 'P');
        }

        var interval = counter.NextInterval(options);

        Assert.Equal(expected switch { "inter" => 2, "fast" => 1, _ => 5 }, interval.TotalSeconds);
    }

    [Fact]
    public void NextInterval_WithoutFastOrDownInter_FallsBackToInter()
    {
        var options = ServerOptions.HaproxyDefaults with { Inter = TimeSpan.FromSeconds(3) };

        Assert.Equal(TimeSpan.FromSeconds(3), HealthCounter.Initial(3, 3).NextInterval(options));
        Assert.Equal(TimeSpan.FromSeconds(3), HealthCounter.Initial(3, 3).After(false).NextInterval(options));
    }

    [Theory]
    [InlineData("P", "UP")]
    [InlineData("PF", "UP 2/3")]
    [InlineData("PFF", "UP 1/3")]
    [InlineData("PFFF", "DOWN")]
    [InlineData("FP", "DOWN 1/3")]
    [InlineData("FPP", "DOWN 2/3")]
    public void Describe_State_UsesHaproxyNotation(string checks, string expected)
    {
        var counter = HealthCounter.Initial(3, 3);
        foreach (var check in checks)
        {
            counter = counter.After(check == 'P');
        }

        Assert.Equal(expected, counter.Describe());
    }
}
