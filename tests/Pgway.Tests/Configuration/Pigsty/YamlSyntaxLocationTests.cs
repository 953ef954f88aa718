using Pgway.Configuration;

namespace Pgway.Tests.Configuration.Pigsty;

/// <summary>YAML mistakes are shown where they are, in the file's terms, never as .NET exception text.</summary>
public sealed class YamlSyntaxLocationTests
{
    [Theory]
    // An unclosed '{' in a host line: YamlDotNet throws InvalidOperationException with no position.
    [InlineData("all:\n  children:\n    pg-x:\n      hosts:\n        10.0.0.1: { pg_seq: 1, pg_role: primary\n      vars: { pg_cluster: pg-x }\n", 5, 19, "flow mapping '{' opened here is not closed")]
    [InlineData("all:\n  children:\n    pg-x:\n      hosts:\n        10.0.0.1: [ 1, 2\n      vars:\n        pg_cluster: pg-x\n", 5, 19, "flow list '[' opened here is not closed")]
    [InlineData("all:\n  vars:\n    pg_users: [ {name: a }\n  children: {}\n", 3, 15, "flow list '[' opened here is not closed")]
    // A tab in the indentation of the line after a value: reported on the value's line before.
    [InlineData("all:\n  vars:\n    pg_cluster: pg-x\n  \t  pg_port: 5432\n", 4, 3, "tab")]
    [InlineData("all:\n  vars:\n\tpg_cluster: pg-x\n", 3, 1, "tab")]
    public void Load_BrokenYaml_ErrorAtTheCause(string yaml, int line, int column, string words)
    {
        var result = TestInventories.Load(yaml);

        var error = Assert.Single(result.Errors);
        Assert.Equal((line, column), (error.Location.Line, error.Location.Column));
        Assert.Contains(words, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EmptyKeyBeforeNestedMapping_AtItsLine()
    {
        var result = TestInventories.Load("all:\n  vars:\n    a:\n      : r: t\n");

        var error = Assert.Single(result.Errors);
        Assert.Equal((4, 7), (error.Location.Line, error.Location.Column));
    }

    [Theory]
    // YamlDotNet throws InvalidOperationException ("Operation is not valid due to the current state
    // of the object") and ArgumentException ("… (Parameter 'parser')") for these, with no position.
    [InlineData("all:\n  children:\n    pg-x:\n      hosts:\n        10.0.0.1: { pg_seq: 1, pg_role: primary\n      vars: { pg_cluster: pg-x }\n")]
    [InlineData("all:\n  children:\n    pg-x:\n      hosts:\n        10.0.0.1: [ 1, 2\n      vars:\n        pg_cluster: pg-x\n")]
    [InlineData("all:\n  vars:\n    a:\n      : r: t\n")]
    public void Load_BrokenYaml_NoExceptionTextNorFirstLineGuess(string yaml)
    {
        var result = TestInventories.Load(yaml);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("YAML syntax:", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Operation is not valid", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("current state of the object", error.Message, StringComparison.Ordinal);
        Assert.True(error.Location.Line > 1, error.ToString());
    }
}
