using System.Text.RegularExpressions;
using Pgway.Configuration;
using Pgway.Model;
using Pgway.Tests.Cli;

namespace Pgway.Tests.Configuration;

/// <summary>
/// The variables and pooler settings pgway acts on are read once, by Configuration, into typed
/// properties; a bad value is an error at its line, and nothing else reads them by name.
/// </summary>
public sealed partial class TypedSettingsTests
{
    [Fact]
    public void Sources_OutsideConfiguration_NeverReadAnInstancesVariablesByName()
    {
        var readers = SourceFiles.Under("src")
            .Where(f => !f.Path.StartsWith("src/Pgway/Configuration/", StringComparison.Ordinal))
            .SelectMany(f => VariablesRead().Matches(f.Text).Select(m => $"{f.Path}: {m.Value}"))
            .ToList();

        Assert.Empty(readers);
    }

    [Fact]
    public void Sources_OutsideConfiguration_NeverReadPoolerSettingsByName()
    {
        // The admin console's SHOW CONFIG and SET work on the settings by name, and PoolerSettings parses them.
        var readers = SourceFiles.Under("src")
            .Where(f => !f.Path.StartsWith("src/Pgway/Configuration/", StringComparison.Ordinal)
                && !f.Path.StartsWith("src/Pgway/Pooling/Admin/", StringComparison.Ordinal)
                && f.Path != "src/Pgway/Model/PoolerSettings.cs")
            .SelectMany(f => SettingsRead().Matches(f.Text).Select(m => $"{f.Path}: {m.Value}"))
            .ToList();

        Assert.Empty(readers);
    }

    [Fact]
    public void Load_InstanceSettings_ReadIntoTypedProperties()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary, pg_upstream: 10.9.9.9, nodename: node-a, pg_tags: { noloadbalance: true } }
                  vars:
                    pg_cluster: pg-x
                    pgbouncer_enabled: false
                    patroni_enabled: false
                    pg_monitor_username: mon
                    pg_monitor_password: 12345
                    pg_admin_username: dba
                    pg_admin_password: dba-pw
                    patroni_username: pat
                    patroni_password: pat-pw
                    pg_replication_username: rep
                    pg_replication_password: rep-pw
                    pg_databases: [ { name: app }, { name: other, pgbouncer: false } ]
                    pg_users: [ { name: alice, password: a-pw, roles: [ dbrole_admin ] }, { name: bob } ]
            """);

        var instance = Assert.Single(topology.Clusters.Single().Instances);
        Assert.Equal("pg-x-1", instance.Name);
        Assert.False(instance.PoolerEnabled);
        Assert.False(instance.PatroniEnabled);
        Assert.Equal(new InstanceLogins("mon", "12345", "dba", "dba-pw", "pat", "pat-pw", "rep", "rep-pw"), instance.Logins);
        Assert.Equal("10.9.9.9", instance.Upstream);
        Assert.Equal("node-a", instance.NodeName);
        Assert.Equal(true, (bool?)instance.Tags?["noloadbalance"]);
        Assert.Equal(["app", "other"], instance.Databases.AsEnumerable());
        Assert.Equal(["alice", "bob"], instance.Users.Select(u => u.Name));
        Assert.Equal(["dbrole_admin"], instance.Users[0].Roles.AsEnumerable());
        Assert.Null(instance.Users[1].Password);
    }

    [Fact]
    public void Load_NothingSet_PigstysDefaults()
    {
        var topology = TestInventories.LoadValid("""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary }
                  vars: { pg_cluster: pg-x }
            """);

        var instance = Assert.Single(topology.Clusters.Single().Instances);
        Assert.True(instance.PoolerEnabled);
        Assert.True(instance.PatroniEnabled);
        Assert.Equal(InstanceLogins.None, instance.Logins);
        Assert.Null(instance.Upstream);
        Assert.Null(instance.Tags);
        var pooler = topology.Clusters.Single().Pooler;
        Assert.Equal(AuthType.Hba, pooler.AuthType);
        Assert.Null(pooler.AuthUser);
        Assert.Null(pooler.AuthFile);
        Assert.Null(pooler.AuthHbaFile);
    }

    [Theory]
    [InlineData("patroni_enabled: 'no'", "patroni_enabled must be true or false, got 'no'")]
    [InlineData("pgbouncer_enabled: 1", "pgbouncer_enabled must be true or false, got '1'")]
    [InlineData("pg_monitor_password: [ a, b ]", "pg_monitor_password must be a single value")]
    public void Load_BadInstanceSetting_ErrorAtItsLine(string line, string message)
    {
        var result = TestInventories.Load($"""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: {"{"} pg_seq: 1, pg_role: primary {"}"}
                  vars:
                    pg_cluster: pg-x
                    {line}
            """);

        var error = result.Single(message);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Equal(8, error.Location.Line);
    }

    [Fact]
    public async Task Check_BadInstanceSetting_ReportedWithFileAndLine()
    {
        var file = Path.Combine(Path.GetTempPath(), $"pgway-typed-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(file, """
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary }
                  vars:
                    pg_cluster: pg-x
                    patroni_enabled: 'off'
            """);
        try
        {
            var (code, _, error) = await CliRunner.RunAsync("check", "-c", file);

            Assert.Equal(1, code);
            Assert.Contains($"{file}:8:", error, StringComparison.Ordinal);
            Assert.Contains("patroni_enabled must be true or false", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("hba", nameof(AuthType.Hba))]
    [InlineData("scram-sha-256", nameof(AuthType.ScramSha256))]
    [InlineData("md5", nameof(AuthType.Md5))]
    [InlineData("plain", nameof(AuthType.Plain))]
    [InlineData("trust", nameof(AuthType.Trust))]
    [InlineData("any", nameof(AuthType.Any))]
    [InlineData("cert", nameof(AuthType.Cert))]
    public void Load_AuthSettings_Typed(string authType, string expected)
    {
        var topology = TestInventories.LoadValid($"""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: {"{"} pg_seq: 1, pg_role: primary {"}"}
                  vars:
                    pg_cluster: pg-x
                    pgbouncer_auth_type: {authType}
                    pgbouncer_auth_user: checker
                    pgbouncer_auth_dbname: meta
                    pgbouncer_auth_query: "SELECT u, p FROM users WHERE u = $1"
            """);

        var pooler = topology.Clusters.Single().Pooler;
        Assert.Equal(Enum.Parse<AuthType>(expected), pooler.AuthType);
        Assert.Equal("checker", pooler.AuthUser);
        Assert.Equal("meta", pooler.AuthDatabase);
        Assert.Equal("SELECT u, p FROM users WHERE u = $1", pooler.AuthQuery);
    }

    [Fact]
    public void Instance_WithAnotherSeq_NameFollows()
    {
        var instance = TestInventories.LoadValid("""
            all:
              children:
                pg-x:
                  hosts:
                    10.0.0.1: { pg_seq: 1, pg_role: primary }
                  vars: { pg_cluster: pg-x }
            """).Clusters.Single().Instances.Single();

        Assert.Equal("pg-x-7", (instance with { Seq = 7 }).Name);
        Assert.Equal("pg-y-1", (instance with { Cluster = "pg-y" }).Name);
        Assert.Same(instance.Name, instance.Name);
    }

    // An instance's variables read by name: indexed, or through one of JObject's readers.
    [GeneratedRegex(@"\bVariables\s*(\[|\??\.\s*(Value|TryGetValue|GetValue|SelectToken|Property|ContainsKey)\b)")]
    private static partial Regex VariablesRead();

    [GeneratedRegex(@"\bSettings\s*(\[|\.\s*(TryGetValue|GetValueOrDefault)\b)")]
    private static partial Regex SettingsRead();
}
