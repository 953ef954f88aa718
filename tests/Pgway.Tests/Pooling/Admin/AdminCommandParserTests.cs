using Pgway.Configuration;
using Pgway.Pooling;
using Pgway.Pooling.Admin;

namespace Pgway.Tests.Pooling.Admin;

public class AdminCommandParserTests
{
    [Theory]
    [InlineData("SHOW POOLS", "SHOW", "POOLS")]
    [InlineData("  show   Pools  ;  ", "SHOW", "POOLS")]
    [InlineData("show stats_averages;", "SHOW", "STATS_AVERAGES")]
    [InlineData("PAUSE", "PAUSE", null)]
    [InlineData("pause test", "PAUSE", "test")]
    [InlineData("PAUSE \"pg-meta\"", "PAUSE", "pg-meta")]
    [InlineData("PAUSE \"a\"\"b\"", "PAUSE", "a\"b")]
    [InlineData("resume Test;", "RESUME", "Test")]
    [InlineData("KILL_CLIENT 0x1f", "KILL_CLIENT", "0x1f")]
    [InlineData("reload", "RELOAD", null)]
    public void Parse_Commands_VerbUpperCasedArgumentKept(string text, string verb, string? argument)
    {
        var command = AdminCommandParser.Parse(text);

        Assert.NotNull(command);
        Assert.Equal((verb, argument, text), (command.Verb, command.Argument, command.Text));
    }

    [Theory]
    [InlineData("SET default_pool_size = 5", "default_pool_size", "5")]
    [InlineData("set default_pool_size=6;", "default_pool_size", "6")]
    [InlineData("SET default_pool_size TO 8", "default_pool_size", "8")]
    [InlineData("SET server_reset_query = 'DISCARD ALL'", "server_reset_query", "DISCARD ALL")]
    [InlineData("SET auth_query = 'SELECT ''x'''", "auth_query", "SELECT 'x'")]
    [InlineData("SET query_wait_timeout = 1.5", "query_wait_timeout", "1.5")]
    [InlineData("SET Stats_Users = 'a,b'", "stats_users", "a,b")]
    public void Parse_Set_KeyAndValue(string text, string key, string value)
    {
        var command = AdminCommandParser.Parse(text);

        Assert.NotNull(command);
        Assert.Equal(("SET", key, value), (command.Verb, command.Argument, command.Value));
    }

    [Theory]
    [InlineData("SWITCHOVER pg-test", "SWITCHOVER", "pg-test", null)]
    [InlineData("switchover pg-test to pg-test-2;", "SWITCHOVER", "pg-test", "pg-test-2")]
    [InlineData("SWITCHOVER \"pg test\" TO \"pg test-2\"", "SWITCHOVER", "pg test", "pg test-2")]
    [InlineData("UNFENCE pg-test-1", "UNFENCE", "pg-test-1", null)]
    public void Parse_SwitchoverAndUnfence_NamesWithDashes(string text, string verb, string argument, string? value)
    {
        var command = AdminCommandParser.Parse(text);

        Assert.NotNull(command);
        Assert.Equal((verb, argument, value), (command.Verb, command.Argument, command.Value));
    }

    [Theory]
    [InlineData("SWITCHOVER pg-test TO")]
    [InlineData("SWITCHOVER pg-test FROM pg-test-1")]
    [InlineData("SWITCHOVER pg-test TO pg-test-2 extra")]
    [InlineData("UNFENCE pg-test-1 TO pg-test-2")]
    public void Parse_SwitchoverMalformed_Null(string text) => Assert.Null(AdminCommandParser.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData(";")]
    [InlineData("   ")]
    [InlineData("show pools; show version")]
    [InlineData("SHOW POOLS extra")]
    [InlineData("pause 'test'")]
    [InlineData("PAUSE \"\"")]
    [InlineData("PAUSE \"open")]
    [InlineData("SET x")]
    [InlineData("SET a = b = c")]
    [InlineData("SET default_pool_size = ")]
    [InlineData("SET max_client_conn = -1")]
    [InlineData("SET stats_users = a,b")]
    [InlineData("SET x = 'open")]
    [InlineData("select 1, 2")]
    public void Parse_NotACommand_Null(string text) => Assert.Null(AdminCommandParser.Parse(text));

    [Theory]
    [InlineData("default_pool_size", "7", "7")]
    [InlineData("query_wait_timeout", "2.5", "2.5")]
    [InlineData("log_connections", "false", "0")]
    [InlineData("log_connections", "1", "1")]
    [InlineData("auth_type", "md5", "md5")]
    [InlineData("pool_mode", "session", "session")]
    [InlineData("admin_users", "a,b", "a,b")]
    [InlineData("client_tls_sslmode", "verify-full", "verify-full")]
    [InlineData("server_tls_protocols", "tlsv1.2,tlsv1.3", "tlsv1.2,tlsv1.3")]
    public void CheckLiveValue_Valid_Normalized(string name, string text, string expected)
    {
        Assert.Equal(expected, PoolerSettingsReader.CheckLiveValue(name, text, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("default_pool_size", "x", "default_pool_size must be a whole number from 0")]
    [InlineData("query_wait_timeout", "soon", "query_wait_timeout must be a number of seconds from 0")]
    [InlineData("log_connections", "2", "log_connections must be 0 or 1")]
    [InlineData("auth_type", "magic", "auth_type 'magic' is not one of")]
    [InlineData("pool_mode", "bogus", "pool_mode 'bogus' is not one of")]
    [InlineData("no_such_thing", "1", "unknown setting 'no_such_thing'")]
    [InlineData("default_pol_size", "1", "unknown setting 'default_pol_size' (did you mean")]
    [InlineData("listen_port", "1", "pgway cannot change listen_port")]
    [InlineData("tcp_keepalive", "1", "pgway cannot change tcp_keepalive")]
    [InlineData("client_tls_sslmode", "requre", "client_tls_sslmode 'requre' is not one of disable, allow, prefer, require, verify-ca, verify-full (did you mean")]
    [InlineData("server_tls_sslmode", "on", "server_tls_sslmode 'on' is not one of")]
    [InlineData("client_tls_protocols", "secure,tls9", "client_tls_protocols: 'tls9' is not one of")]
    public void CheckLiveValue_Invalid_ErrorNamesTheProblem(string name, string text, string error)
    {
        Assert.Null(PoolerSettingsReader.CheckLiveValue(name, text, out var message));
        Assert.StartsWith(error, message, StringComparison.Ordinal);
    }

    [Fact]
    public void AccessOf_AdminStatsOthers()
    {
        var settings = TestInventories.LoadValid("""
            all:
              children:
                pg-test:
                  hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary } }
                  vars: { pg_cluster: pg-test, pgbouncer_admin_users: "a1,a2", pgbouncer_stats_users: "s1,a1" }
            """).Clusters.Single().Pooler;

        Assert.Equal(AdminAccess.Admin, AdminConsole.AccessOf(settings, "a1"));
        Assert.Equal(AdminAccess.Admin, AdminConsole.AccessOf(settings, "a2"));
        Assert.Equal(AdminAccess.Stats, AdminConsole.AccessOf(settings, "s1"));
        Assert.Null(AdminConsole.AccessOf(settings, "other"));
    }

    [Fact]
    public void Average_OnePeriod_PerSecondRatesAndPerTransactionTimes()
    {
        var before = new PoolStatisticsSnapshot(10, 20, 1000, 2000, 500, 600, 100);
        var now = new PoolStatisticsSnapshot(70, 140, 7000, 14000, 6500, 3000, 1300);

        var average = StatsAverager.Average(now, before, seconds: 60);

        Assert.Equal(new PoolStatisticsSnapshot(1, 2, 100, 200, 100, 20, 20), average);
        Assert.Equal(StatsAverager.Zero, StatsAverager.Average(before, before, seconds: 60));
    }
}
