using Pgway.Configuration;
using Pgway.Model;

namespace Pgway.Tests.Configuration;

/// <summary>The pooler settings a cluster's inventory gives, as Pigsty renders pgbouncer.ini.</summary>
public class PoolerSettingsTests
{
    private static string Inventory(string vars) => $$"""
        all:
          children:
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
              vars:
                pg_cluster: pg-test
        {{vars}}
        """;

    private static PoolerSettings Pooler(string vars) => TestInventories.LoadValid(Inventory(vars)).Clusters.Single().Pooler;

    [Fact]
    public void Defaults_AsPigstyRendersPgBouncer()
    {
        var pooler = Pooler("");

        Assert.Equal(PoolMode.Transaction, pooler.PoolMode);
        Assert.Equal(20000, pooler.MaxClientConnections);
        Assert.Equal(50, pooler.DefaultPoolSize);
        Assert.Equal(30, pooler.ReservePoolSize);
        Assert.Equal(TimeSpan.FromSeconds(1), pooler.ReservePoolTimeout);
        Assert.Equal(100, pooler.MaxDbConnections);
        Assert.Equal(TimeSpan.FromSeconds(600), pooler.ServerLifetime);
        Assert.Equal(TimeSpan.FromSeconds(120), pooler.QueryWaitTimeout);
        Assert.Equal(TimeSpan.Zero, pooler.QueryTimeout);
        Assert.Equal("DISCARD ALL", pooler.ServerResetQuery);
        Assert.Equal(256, pooler.MaxPreparedStatements);
        Assert.Equal(["postgres", "dbuser_dba"], pooler.AdminUsers.ToArray());
        Assert.Equal(["postgres", "dbuser_monitor"], pooler.StatsUsers.ToArray());
        Assert.Equal(["extra_float_digits"], pooler.IgnoreStartupParameters.ToArray());
        Assert.Equal("hba", pooler.Settings["auth_type"]);
        Assert.False(pooler.UseAuthQuery);
        Assert.Equal("disable", pooler.SslMode);
        Assert.Equal(TimeSpan.FromSeconds(60), pooler.StatsPeriod);
    }

    [Fact]
    public void Overrides_PigstyVariablesAndPgBouncerNames()
    {
        var pooler = Pooler("""
                    pgbouncer_poolmode: session
                    pgbouncer_auth_query: true
                    pgbouncer_sslmode: require
                    pgbouncer_max_client_conn: 500
                    pgbouncer_query_wait_timeout: 2.5
                    pgbouncer_server_reset_query_always: true
                    pgbouncer_ignore_startup_parameters: [extra_float_digits, geqo]
                    pgbouncer_auth_user: dbuser_monitor
                    pgbouncer_stats_period: 15
            """);

        Assert.Equal(PoolMode.Session, pooler.PoolMode);
        Assert.True(pooler.UseAuthQuery);
        Assert.Equal("require", pooler.SslMode);
        Assert.Equal(500, pooler.MaxClientConnections);
        Assert.Equal(TimeSpan.FromSeconds(2.5), pooler.QueryWaitTimeout);
        Assert.Equal("1", pooler.Settings["server_reset_query_always"]);
        Assert.Equal(["extra_float_digits", "geqo"], pooler.IgnoreStartupParameters.ToArray());
        Assert.Equal("dbuser_monitor", pooler.Settings["auth_user"]);
        Assert.Equal(TimeSpan.FromSeconds(15), pooler.StatsPeriod);
    }

    [Fact]
    public void AuthQueryAsText_PgBouncersAuthQuery()
    {
        var pooler = Pooler("""
                    pgbouncer_auth_query: "SELECT usename, passwd FROM pg_shadow WHERE usename = $1"
                    pgbouncer_log_disconnections: 0
            """);

        Assert.True(pooler.UseAuthQuery);
        Assert.Equal("SELECT usename, passwd FROM pg_shadow WHERE usename = $1", pooler.Settings["auth_query"]);
        Assert.True(pooler.LogConnections);
        Assert.False(pooler.LogDisconnections);
    }

    [Fact]
    public void DatabasesAndUsers_PigstyPoolFields()
    {
        var pooler = Pooler("""
                    pg_databases:
                      - { name: meta, pool_mode: session, pool_size: 10, pool_size_min: 2, pool_reserve: 5, pool_connlimit: -1 }
                      - { name: etl, pgbouncer: false }
                      - { name: test, owner: dbuser_meta, comment: not a pool field }
                    pg_users:
                      - { name: dbuser_meta, password: DBUser.Meta, pgbouncer: true, pool_mode: transaction, pool_connlimit: 20 }
                      - { name: dbuser_etl, password: x }
            """);

        Assert.Equal([new PoolDatabase("meta", PoolMode.Session, 10, 2, 5, 0), new PoolDatabase("test", null, null, null, null, null)], pooler.Databases.ToArray());
        var user = Assert.Single(pooler.Users);
        Assert.Equal(("dbuser_meta", "DBUser.Meta", PoolMode.Transaction, 20), (user.Name, user.Password, user.PoolMode, user.ConnectionLimit));
        Assert.DoesNotContain("DBUser.Meta", user.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pgbouncer_poolmode: sesion", "pgbouncer_poolmode 'sesion' is not one of session, transaction, statement (did you mean 'session'?)")]
    [InlineData("pgbouncer_sslmode: strict", "pgbouncer_sslmode 'strict' is not one of")]
    [InlineData("pgbouncer_auth_query: yes please", "pgbouncer_auth_query must be true or false (Pigsty's flag), or a query taking the user name as $1")]
    [InlineData("pgbouncer_max_client_conn: lots", "pgbouncer_max_client_conn must be a whole number from 0, got 'lots'")]
    [InlineData("pgbouncer_query_timeout: -1", "pgbouncer_query_timeout must be a number of seconds from 0")]
    [InlineData("pgbouncer_server_reset_query_always: 2", "must be 0 or 1")]
    [InlineData("pgbouncer_auth_type: password", "pgbouncer_auth_type 'password' is not one of")]
    [InlineData("pg_databases: [{ name: meta, pool_size: ten }]", "'pool_size' must be a whole number from 0, got 'ten'")]
    [InlineData("pg_databases: [{ name: meta, pgbouncer: maybe }]", "'pgbouncer' must be true or false")]
    [InlineData("pg_databases: [{ name: meta, pool_mode: tx }]", "pool_mode 'tx' is not one of")]
    [InlineData("pg_users: [{ password: x, pgbouncer: true }]", "an entry of pg_users has no name")]
    [InlineData("pgbouncer_client_tls_sslmode: verify", "pgbouncer_client_tls_sslmode 'verify' is not one of disable, allow, prefer, require, verify-ca, verify-full")]
    [InlineData("pgbouncer_server_tls_sslmode: strict", "pgbouncer_server_tls_sslmode 'strict' is not one of")]
    [InlineData("pgbouncer_server_tls_protocols: tlsv1.4", "pgbouncer_server_tls_protocols: 'tlsv1.4' is not one of")]
    [InlineData("pgbouncer_server_tls_cert_file: pgway.crt", "pgbouncer_server_tls_cert_file and pgbouncer_server_tls_key_file go together")]
    public void BadValue_ErrorAtItsLine(string vars, string expected)
    {
        var result = TestInventories.Load(Inventory($"        {vars}"));

        var error = result.Single(expected);
        Assert.True(error.IsError);
        Assert.Equal(8, error.Location.Line);
    }

    [Theory]
    [InlineData("pgbouncer_max_client_con: 10", "pgbouncer_max_client_con is not a PgBouncer setting pgway knows (did you mean 'pgbouncer_max_client_conn'?)")]
    [InlineData("pgbouncer_log_stats: 1", "pgway accepts PgBouncer's log_stats but does not act on it yet")]
    [InlineData("pgbouncer_pool_mode: session", "pgway sets PgBouncer's pool_mode from pgbouncer_poolmode")]
    [InlineData("pgbouncer_client_tls_ciphers: secure", "pgway accepts PgBouncer's client_tls_ciphers but does not act on it yet")]
    [InlineData("pgbouncer_client_tls_protocols: tlsv1.1,tlsv1.2", "pgbouncer_client_tls_protocols: pgway never offers tlsv1.1")]
    public void Questionable_WarningAtItsLine(string vars, string expected)
    {
        var result = TestInventories.Load(Inventory($"        {vars}"));

        var warning = result.Single(expected);
        Assert.False(warning.IsError);
        Assert.Equal(8, warning.Location.Line);
        Assert.False(result.HasErrors);
    }

    [Fact]
    public void PoolModeThroughPgBouncerName_UsedWhenPigstysIsAbsent() =>
        Assert.Equal(PoolMode.Session, Pooler("        pgbouncer_pool_mode: session").PoolMode);

    [Fact]
    public void Tls_Defaults_OffWithPigstysCertificatePaths()
    {
        var pooler = Pooler("");

        Assert.Equal((TlsMode.Disable, TlsMode.Disable), (pooler.ClientTlsMode, pooler.ServerTlsMode));
        Assert.Equal(("/pg/cert/server.crt", "/pg/cert/server.key", "/pg/cert/ca.crt"),
            (pooler.Settings["client_tls_cert_file"], pooler.Settings["client_tls_key_file"], pooler.Settings["client_tls_ca_file"]));
        Assert.Equal("secure", pooler.Settings["client_tls_protocols"]);
    }

    [Theory]
    [InlineData("pgbouncer_sslmode: verify-ca", nameof(TlsMode.VerifyCa))]
    [InlineData("pgbouncer_client_tls_sslmode: require", nameof(TlsMode.Require))]
    [InlineData("pgbouncer_sslmode: prefer\n        pgbouncer_client_tls_sslmode: verify-full", nameof(TlsMode.VerifyFull))]
    public void ClientTlsMode_PigstysNameOrPgBouncersWhichWins(string vars, string expected) =>
        Assert.Equal(Enum.Parse<TlsMode>(expected), Pooler("        " + vars).ClientTlsMode);

    [Fact]
    public void ServerTls_ModeAndFiles()
    {
        var pooler = Pooler("""
                    pgbouncer_server_tls_sslmode: verify-full
                    pgbouncer_server_tls_ca_file: /etc/pki/ca.crt
                    pgbouncer_server_tls_cert_file: pgway.crt
                    pgbouncer_server_tls_key_file: pgway.key
            """);

        Assert.Equal(TlsMode.VerifyFull, pooler.ServerTlsMode);
        Assert.Equal(("/etc/pki/ca.crt", "pgway.crt", "pgway.key"),
            (pooler.Settings["server_tls_ca_file"], pooler.Settings["server_tls_cert_file"], pooler.Settings["server_tls_key_file"]));
    }
}
