namespace Pgway.Tests.Cli;

/// <summary><c>pgway render pgb-hba</c> and what <c>pgway check</c> says about Pigsty's pgbouncer hba rules.</summary>
public class PgbHbaCommandTests
{
    private static async Task<(int ExitCode, string Output, string Error, string File)> RunWithRulesAsync(string rules, params string[] command)
    {
        var file = Path.Combine(Path.GetTempPath(), $"pgway-pgbhba-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(file, $$"""
            all:
              children:
                pg-x:
                  hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary }, 10.0.0.2: { pg_seq: 2, pg_role: replica } }
                  vars:
                    pg_cluster: pg-x
                    pgb_hba_rules:
                      {{rules}}
            """);
        try
        {
            var (code, output, error) = await CliRunner.RunAsync([.. command, "-c", file]);
            return (code, output, error, file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task RenderPgbHba_Node_PrintsItsFile()
    {
        var (code, output, error, _) = await RunWithRulesAsync("- { user: bob, addr: world, auth: deny, title: 'no bob', role: replica }", "render", "pgb-hba", "--node", "10.0.0.2");

        Assert.True(code == 0, error);
        Assert.StartsWith("# pgb_hba.conf of pg-x-2 [replica] @ 10.0.0.2:6432\n", output, StringComparison.Ordinal);
        Assert.EndsWith("# no bob [replica] \nhost     all                bob                0.0.0.0/0 reject\nhost     all                bob                ::/0      reject\n\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderPgbHba_UnknownNode_Error()
    {
        var (code, _, error, _) = await RunWithRulesAsync("- { addr: world }", "render", "pgb-hba", "--node", "10.9.9.9");

        Assert.Equal(1, code);
        Assert.Contains("no instance is on node '10.9.9.9'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderPgbHba_RuleThePoolerCannotEnforce_FileAndErrorAtItsLine()
    {
        var (code, output, error, file) = await RunWithRulesAsync("- { user: bob, addr: world, auth: cert }", "render", "pgb-hba", "--node", "10.0.0.1");

        Assert.Equal(1, code);
        Assert.Contains("hostssl  all                bob                0.0.0.0/0 cert\n", output, StringComparison.Ordinal);
        Assert.Equal($"{file}:8:13: error: authentication method 'cert' (TLS client certificates) is not supported by pgway yet: use scram-sha-256 or md5 on a hostssl line\n", error);
    }

    [Theory]
    [InlineData("- { user: '+dbrole_readonly', addr: intra }", ":8:13: error: user '+dbrole_readonly' is not supported")]
    [InlineData("- { user: bob, addr: wrld }", ":8:32: error: hba rule addr 'wrld' is not one of")]
    [InlineData("- { user: bob, addr: world, auth: magic }", ":8:45: error: hba rule auth 'magic' is not one of")]
    [InlineData("- { title: raw, rules: [ 'host all all 10.0.0.0/33 md5' ] }", ":8:36: error: '10.0.0.0/33' is not a valid CIDR network")]
    public async Task Check_RuleNotSupportedOrMalformed_ErrorWithFileAndLine(string rules, string expected)
    {
        var (code, output, error, file) = await RunWithRulesAsync(rules, "check");

        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Contains(file + expected, error, StringComparison.Ordinal);
        Assert.Contains("1 error", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_GoodRules_Ok()
    {
        var (code, output, error, _) = await RunWithRulesAsync("- { user: bob, addr: world, auth: deny, title: 'no bob', order: 10 }", "check");

        Assert.True(code == 0, error);
        Assert.Contains("OK", output, StringComparison.Ordinal);
    }
}
