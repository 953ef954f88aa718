using Pgway.Pooling;

namespace Pgway.Tests.Pooling;

/// <summary>Numbers for the sets of session parameters: the same set, the same number, found without allocating.</summary>
public sealed class ParameterSetsTests
{
    private static Dictionary<string, string> Set(params (string Name, string Value)[] pairs)
    {
        var set = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in pairs)
        {
            set[name] = value;
        }
        return set;
    }

    [Fact]
    public void IdOf_SameSetInAnyOrderAndCase_SameNumber()
    {
        var sets = new ParameterSets();

        var first = sets.IdOf(Set(("application_name", "app"), ("DateStyle", "ISO, MDY")));
        var again = sets.IdOf(Set(("datestyle", "ISO, MDY"), ("Application_Name", "app")));

        Assert.NotEqual(0, first);
        Assert.Equal(first, again);
    }

    [Theory]
    [InlineData("application_name", "other")]
    [InlineData("application_name", "APP")]
    [InlineData("search_path", "app")]
    public void IdOf_AnotherValueOrName_AnotherNumber(string name, string value)
    {
        var sets = new ParameterSets();

        var first = sets.IdOf(Set(("application_name", "app")));
        var other = sets.IdOf(Set((name, value)));

        Assert.NotEqual(first, other);
        Assert.NotEqual(0, other);
    }

    [Fact]
    public void IdOf_OneMoreOrOneFewer_AnotherNumber()
    {
        var sets = new ParameterSets();

        var two = sets.IdOf(Set(("a", "1"), ("b", "2")));
        var one = sets.IdOf(Set(("a", "1")));
        var none = sets.IdOf(Set());

        Assert.Equal(3, new[] { two, one, none }.Distinct().Count());
        Assert.Equal(two, sets.IdOf(Set(("b", "2"), ("a", "1"))));
    }

    [Fact]
    public void IdOf_PastTheLimit_ZeroForNewSetsAndKnownOnesStillFound()
    {
        var sets = new ParameterSets();
        var known = sets.IdOf(Set(("application_name", "known")));
        for (var i = 1; i < ParameterSets.Limit; i++)
        {
            sets.IdOf(Set(("application_name", $"app-{i}")));
        }

        Assert.Equal(0, sets.IdOf(Set(("application_name", "one too many"))));
        Assert.Equal(known, sets.IdOf(Set(("application_name", "known"))));
    }

    [Fact]
    public void IdOf_KnownSet_AllocatesNothing()
    {
        var sets = new ParameterSets();
        var parameters = Set(("application_name", "app"), ("DateStyle", "ISO, MDY"), ("TimeZone", "UTC"), ("search_path", "\"$user\", public"));
        var id = sets.IdOf(parameters);
        // Compiled, and every lazily made object made, before counting.
        sets.IdOf(parameters);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            sets.IdOf(parameters);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // At every borrow after a SET, and for every client of an application already seen: it built
        // a sorted, joined string each time.
        Assert.Equal(0, allocated);
        Assert.Equal(id, sets.IdOf(parameters));
    }
}
