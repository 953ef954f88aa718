using System.Text;

namespace Pgway.Tests.Configuration;

/// <summary>Hostile or broken YAML yields a diagnostic, never a crash or a runaway.</summary>
public class InventoryLoaderRobustnessTests
{
    private const string Cluster = """
          children:
            pg-x:
              hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary } }
              vars: { pg_cluster: pg-x }
        """;

    [Theory]
    [InlineData("all:\n  vars:\n    a: {x: 1\n    b: 2\n")]
    [InlineData("a: [x\nb: 2\n")]
    [InlineData("all:\n  children:\n    pg-x:\n      hosts:\n\t10.0.0.1: {}\n")]
    [InlineData("all:\n  vars:\n    a: *nope\n")]
    // Found by the fuzzer (bench/fuzz, target inventory): YamlDotNet threw an ArgumentException.
    [InlineData("      : r: t\n")]
    public void Load_BrokenYaml_SyntaxDiagnostic(string yaml)
    {
        var result = TestInventories.Load(yaml);

        Assert.Null(result.Topology);
        Assert.StartsWith("YAML syntax:", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TabIndentation_ReportsItsLine()
    {
        var result = TestInventories.Load("all:\n  children:\n    pg-x:\n      hosts:\n\t10.0.0.1: {}\n");

        Assert.Equal(5, Assert.Single(result.Errors).Location.Line);
    }

    [Fact]
    public void Load_UnknownAlias_ReportsItsLine()
    {
        var result = TestInventories.Load("all:\n  vars:\n    a: *nope\n");

        Assert.Equal((3, 8), (Assert.Single(result.Errors).Location.Line, result.Errors.Single().Location.Column));
    }

    [Fact]
    public void Load_GroupAliasContainingItself_Error()
    {
        var result = TestInventories.Load("all: &a\n  children:\n    g: *a\n");

        Assert.Contains(result.Errors, e => e.Message.Contains("groups nest deeper than", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_VariableAliasContainingItself_Error()
    {
        var result = TestInventories.Load($"all:\n  vars:\n    loop: &a [ *a ]\n{Cluster}");

        Assert.Contains(result.Errors, e => e.Message.Contains("nests deeper than", StringComparison.Ordinal) && e.Location.Line == 3);
    }

    [Fact]
    public void Load_AliasBomb_ErrorInsteadOfExpansion()
    {
        var yaml = new StringBuilder("all:\n  vars:\n    l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var level = 1; level <= 7; level++)
        {
            yaml.Append($"    l{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 10))}]\n");
        }
        yaml.Append(Cluster);

        var result = TestInventories.Load(yaml.ToString());

        Assert.Contains(result.Errors, e => e.Message.Contains("expands to more than", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("inter 99999999999999999")]
    [InlineData("inter 99999999999d")]
    [InlineData("slowstart 30d")]
    public void Load_DurationBeyondHaproxyTimers_Error(string options)
    {
        var result = TestInventories.Load($"""
            all:
              children:
                pg-x:
                  hosts: {"{"} 10.0.0.1: {"{"} pg_seq: 1, pg_role: primary {"}"} {"}"}
                  vars:
                    pg_cluster: pg-x
                    pg_services: [ {"{"} name: x, port: 5500, selector: "[]", options: "{options}" {"}"} ]
            """);

        Assert.Contains(result.Errors, e => e.Message.Contains("at most 2147483647ms", StringComparison.Ordinal) && e.Location.Line == 7);
    }
}
