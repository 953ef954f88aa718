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

    [Theory]
    [InlineData("all:\n  children:\n    pg-x:\n      hosts:\n        10.0.0.1: { pg_seq: 1, pg_role: primary\n")]
    [InlineData("      : r: t\n")]
    [InlineData("all:\n  vars:\n    a: [ { b: 1 }\n")]
    public void Load_BrokenYaml_NoExceptionTextNorFirstLineGuess(string yaml)
    {
        var result = TestInventories.Load(yaml);

        var error = Assert.Single(result.Errors);
        Assert.DoesNotContain("Operation is not valid", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("object", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("YAML syntax:", error.Message, StringComparison.Ordinal);
        Assert.True(yaml.StartsWith("      :", StringComparison.Ordinal) || error.Location.Line > 1, error.ToString());
    }
}
