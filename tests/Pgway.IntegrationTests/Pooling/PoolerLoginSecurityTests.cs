using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pgway.IntegrationTests.Testing;
using Pgway.Pooling;
using Pgway.Pooling.Authentication;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Pooling;

/// <summary>
/// What a client learns, and what it costs pgway, before it has proved anything: unknown users are
/// challenged as known ones (PostgreSQL's mock authentication), verifiers are derived once, and
/// auth_query neither tells its failures nor lets one database's flood starve another's log-ins.
/// </summary>
[Collection(SharedPgTestCluster.Name)]
public sealed class PoolerLoginSecurityTests(PgTestClusterFixture fixture) : PoolerTestClass(fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private const string Meta = PgTestUsers.Meta;
    private const string Database = PgTestUsers.TestDatabase;
    private const string Unknown = "no_such_user";

    private sealed record RawLogin(char FirstType, int FirstCode, int FirstLength, string? ServerFirst, byte[]? Error);

    private void Start(string authType, string secret) =>
        Running = PoolerHarness.Start(Cluster, new Dictionary<string, string> { ["pgbouncer_auth_type"] = authType }, new Dictionary<string, string> { [Meta] = secret });

    private async Task<string> SecretAsync(string kind) => kind switch
    {
        "password" => Cluster.Credentials.PasswordFor(Meta),
        "verifier" => (await Cluster.ExecuteScalarAsync<string>(Cluster.Primary, $"SELECT rolpassword FROM pg_authid WHERE rolname = '{Meta}'"))!,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [InlineData("scram-sha-256", "password")]
    [InlineData("scram-sha-256", "verifier")]
    [InlineData("md5", "password")]
    [InlineData("plain", "password")]
    public async Task UnknownUser_ChallengedAsAKnownOne_RefusedAsAWrongPassword(string authType, string secretKind)
    {
        Start(authType, await SecretAsync(secretKind));

        var known = await LogInRawAsync(Meta, "wrong");
        var unknown = await LogInRawAsync(Unknown, "wrong");

        Assert.Equal('R', known.FirstType);
        Assert.Equal((known.FirstType, known.FirstCode, known.FirstLength), (unknown.FirstType, unknown.FirstCode, unknown.FirstLength));
        Assert.NotNull(known.Error);
        Assert.NotNull(unknown.Error);
        Assert.Equal("28P01", RawWireClient.Field(known.Error, 'C'));
        Assert.Equal("28P01", RawWireClient.Field(unknown.Error, 'C'));
        Assert.Equal(RawWireClient.Field(known.Error, 'M')!.Replace(Meta, "X", StringComparison.Ordinal),
            RawWireClient.Field(unknown.Error, 'M')!.Replace(Unknown, "X", StringComparison.Ordinal));
        Assert.Equal(RawWireClient.Field(known.Error, 'S'), RawWireClient.Field(unknown.Error, 'S'));
        if (authType == "scram-sha-256")
        {
            // The same iterations and salt size; and the unknown user's salt is the same at every try, as a known user's is.
            Assert.Equal(Attribute(known.ServerFirst!, 'i'), Attribute(unknown.ServerFirst!, 'i'));
            Assert.Equal(Convert.FromBase64String(Attribute(known.ServerFirst!, 's')).Length, Convert.FromBase64String(Attribute(unknown.ServerFirst!, 's')).Length);
            Assert.Equal(Attribute(known.ServerFirst!, 's'), Attribute((await LogInRawAsync(Meta, "wrong")).ServerFirst!, 's'));
            Assert.Equal(Attribute(unknown.ServerFirst!, 's'), Attribute((await LogInRawAsync(Unknown, "wrong")).ServerFirst!, 's'));
            Assert.NotEqual(Attribute(unknown.ServerFirst!, 's'), Attribute((await LogInRawAsync(Unknown + "2", "wrong")).ServerFirst!, 's'));
        }
    }

    [Fact]
    public async Task AdminConsole_UnknownUser_ChallengedAsAKnownOne()
    {
        Start("scram-sha-256", await SecretAsync("password"));

        var known = await LogInRawAsync(Meta, "wrong", "pgbouncer");
        var unknown = await LogInRawAsync(Unknown, "wrong", "pgbouncer");

        Assert.Equal(('R', 10), (unknown.FirstType, unknown.FirstCode));
        Assert.Equal(RawWireClient.Field(known.Error!, 'C'), RawWireClient.Field(unknown.Error!, 'C'));
    }

    [Fact]
    public async Task PlainTextSecret_VerifierDerivedOnceForRepeatedLogIns_AgainAfterAPasswordChange()
    {
        var derivations = 0;
        var verifiers = new VerifierCache(password =>
        {
            Interlocked.Increment(ref derivations);
            return ScramVerifier.FromPassword(password);
        });
        var options = Options([], new Dictionary<string, string> { [Meta] = Cluster.Credentials.PasswordFor(Meta) });
        Running = Pooler.Start(options, TimeProvider.System, NullLogger.Instance, verifiers);

        for (var i = 0; i < 3; i++)
        {
            await using var client = PoolerHarness.ConnectOnce(Running, Cluster, Meta);
            await client.OpenAsync();
        }
        for (var i = 0; i < 2; i++)
        {
            await using var wrong = PoolerHarness.ConnectOnce(Running, Cluster, Meta, "wrong");
            await Assert.ThrowsAsync<PostgresException>(() => wrong.OpenAsync());
        }

        Assert.Equal(1, derivations);
        Running.Reload(options with { Secrets = new Dictionary<string, string> { [Meta] = "rotated" } });
        await using (var old = PoolerHarness.ConnectOnce(Running, Cluster, Meta))
        {
            Assert.Equal("28P01", (await Assert.ThrowsAsync<PostgresException>(() => old.OpenAsync())).SqlState);
        }
        Assert.Equal(2, derivations);
    }

    [Fact]
    public async Task AuthQuery_Fails_ClientToldNeitherTheAuthUserNorTheServersError()
    {
        Running = PoolerHarness.Start(Cluster, new Dictionary<string, string>
        {
            ["pgbouncer_auth_user"] = PgTestUsers.Dba,
            ["pgbouncer_auth_query"] = "'SELECT usename, passwd FROM pg_shadow WHERE no_such_column = $1'",
        }, new Dictionary<string, string> { [PgTestUsers.Dba] = Cluster.Credentials.PasswordFor(PgTestUsers.Dba) });
        await using var client = PoolerHarness.ConnectOnce(Running, Cluster, Meta);

        var e = await Assert.ThrowsAsync<PostgresException>(() => client.OpenAsync());

        Assert.Equal("08P01", e.SqlState);
        Assert.DoesNotContain(PgTestUsers.Dba, e.MessageText, StringComparison.Ordinal);
        Assert.DoesNotContain("no_such_column", e.MessageText, StringComparison.Ordinal);
        Assert.Contains("could not be checked", e.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthQuery_SameNameAgainSoon_AnsweredWithoutAnotherQuery()
    {
        // Each run of the query takes one number (the second branch has no FROM: it runs once, row or no row).
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, "CREATE SEQUENCE public.pgway_auth_calls", database: Database);
        try
        {
            var clock = new FrozenClock();
            Running = Pooler.Start(Options(new()
            {
                ["pgbouncer_auth_user"] = PgTestUsers.Dba,
                ["pgbouncer_auth_query"] = "'SELECT usename::text, passwd::text FROM pg_shadow WHERE usename = $1 UNION ALL SELECT NULL, NULL WHERE nextval(''public.pgway_auth_calls'') < 0'",
            }, new Dictionary<string, string> { [PgTestUsers.Dba] = Cluster.Credentials.PasswordFor(PgTestUsers.Dba) }), clock, NullLogger.Instance);
            async Task<long> RunsAsync() => await Cluster.ExecuteScalarAsync<long>(Cluster.Primary,
                "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM public.pgway_auth_calls", database: Database);

            for (var i = 0; i < 3; i++)
            {
                await using var unknown = PoolerHarness.ConnectOnce(Running, Cluster, Unknown, "whatever");
                Assert.Equal("28P01", (await Assert.ThrowsAsync<PostgresException>(() => unknown.OpenAsync())).SqlState);
                await using var known = PoolerHarness.ConnectOnce(Running, Cluster, Meta);
                await known.OpenAsync();
            }

            Assert.Equal(2, await RunsAsync());
            clock.Advance(AuthQueryAnswers.Lifetime);
            await using (var again = PoolerHarness.ConnectOnce(Running, Cluster, Unknown, "whatever"))
            {
                await Assert.ThrowsAsync<PostgresException>(() => again.OpenAsync());
            }
            Assert.Equal(3, await RunsAsync());
        }
        finally
        {
            await Cluster.ExecuteNonQueryAsync(Cluster.Primary, "DROP SEQUENCE IF EXISTS public.pgway_auth_calls", database: Database);
        }
    }

    [Fact]
    public async Task AuthQuery_OneDatabaseFlooded_AnotherDatabasesLogInsGoOn()
    {
        // In the flooded database the look-up hangs (pg_sleep); in the test database it answers at once.
        var flooded = $"flooded_{Guid.NewGuid():N}";
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"CREATE DATABASE {flooded}");
        const string function = """
            CREATE SCHEMA monitor;
            CREATE FUNCTION monitor.pgbouncer_auth(p_username TEXT) RETURNS TABLE(username TEXT, password TEXT)
                LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN PERFORM pg_sleep({0});
                RETURN QUERY SELECT usename::TEXT, passwd::TEXT FROM pg_catalog.pg_shadow WHERE usename = p_username; END $$;
            """;
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, string.Format(System.Globalization.CultureInfo.InvariantCulture, function, 60), database: flooded);
        await Cluster.ExecuteNonQueryAsync(Cluster.Primary, string.Format(System.Globalization.CultureInfo.InvariantCulture, function, 0), database: Database);
        var floods = new List<Task>();
        try
        {
            Running = PoolerHarness.Start(Cluster, new Dictionary<string, string>
            {
                ["pgbouncer_auth_query"] = "true",
                ["pgbouncer_server_connect_timeout"] = "90",
            }, new Dictionary<string, string> { [PgTestUsers.Postgres] = Cluster.Credentials.PasswordFor(PgTestUsers.Postgres) });
            for (var i = 0; i < 8; i++)
            {
                var name = $"{Unknown}_{i}";
                floods.Add(Task.Run(async () =>
                {
                    await using var client = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PoolerHarness.ConnectOnce(Running, Cluster, name, "x").ConnectionString)
                    { Database = flooded, Timeout = 120 }.ConnectionString);
                    await client.OpenAsync();
                }));
            }
            await Eventually.HoldsAsync(async () => await Cluster.ExecuteScalarAsync<long>(Cluster.Primary,
                $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{flooded}' AND query LIKE '%pgbouncer_auth%'") >= 4, Bound);

            // Within its own 15 s connect timeout, while every look-up of the flooded database still hangs.
            await using var legit = PoolerHarness.ConnectOnce(Running, Cluster, Meta);
            await legit.OpenAsync();

            Assert.All(floods, f => Assert.False(f.IsCompleted));
        }
        finally
        {
            // Stopped first, so that no waiting look-up starts another sleep once the running ones end.
            if (Running is not null)
            {
                await Running.DisposeAsync();
                Running = null;
            }
            await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{flooded}'");
            await Task.WhenAll(floods.Select(f => f.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(Bound);
            await Cluster.ExecuteNonQueryAsync(Cluster.Primary, $"DROP DATABASE IF EXISTS {flooded} WITH (FORCE)");
            await Cluster.ExecuteNonQueryAsync(Cluster.Primary, "DROP SCHEMA IF EXISTS monitor CASCADE", database: Database);
        }
    }

    private PoolerOptions Options(Dictionary<string, string> variables, IReadOnlyDictionary<string, string> secrets)
    {
        var inventory = Pgway.Configuration.InventoryLoader.LoadText(Cluster.ToInventoryYaml(variables), "pooler.yml");
        Assert.False(inventory.HasErrors, string.Join('\n', inventory.Errors));
        return new PoolerOptions(new System.Net.IPEndPoint(Cluster.Primary.Address, 0), new System.Net.IPEndPoint(Cluster.Primary.Address, PgTestCluster.Port),
            inventory.Topology!.Clusters.Single().Pooler, secrets, null);
    }

    // The wall clock stands still until advanced (timers still run on real time): cached answers do not
    // age while a loaded machine runs the test.
    private sealed class FrozenClock : TimeProvider
    {
        private DateTimeOffset now = TimeProvider.System.GetUtcNow();

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }

    private static string Attribute(string message, char name) =>
        message.Split(',').Single(a => a.Length > 1 && a[0] == name && a[1] == '=')[2..];

    // A log-in by hand: the first answer to the start-up packet, then the answer a client with
    // <paramref name="password"/> gives to it, and the error that ends it.
    private async Task<RawLogin> LogInRawAsync(string user, string password, string database = Database)
    {
        using var raw = await RawWireClient.ConnectAsync(Running!.LocalEndPoint, Bound);
        await raw.SendAsync(RawWireClient.StartupMessage(("user", user), ("database", database)));
        var (type, body) = (await raw.ReadMessageAsync())!.Value;
        if (type != 'R')
        {
            return new RawLogin(type, 0, body.Length, null, type == 'E' ? body : null);
        }
        var code = BinaryPrimitives.ReadInt32BigEndian(body);
        string? serverFirst = null;
        switch (code)
        {
            case 3:
                await raw.SendAsync(PasswordMessage(Encoding.UTF8.GetBytes(password + "\0")));
                break;
            case 5:
                await raw.SendAsync(PasswordMessage(Encoding.UTF8.GetBytes(Md5Password.Answer(password, user, body.AsSpan(4, 4)) + "\0")));
                break;
            case 10:
                var scram = ScramClientExchange.WithPassword(password);
                var first = scram.ClientFirst();
                var initial = new byte[Scram.Mechanism.Length + 1 + 4 + first.Length];
                Encoding.ASCII.GetBytes(Scram.Mechanism).CopyTo(initial, 0);
                BinaryPrimitives.WriteInt32BigEndian(initial.AsSpan(Scram.Mechanism.Length + 1), first.Length);
                first.CopyTo(initial, Scram.Mechanism.Length + 5);
                await raw.SendAsync(PasswordMessage(initial));
                var (continueType, continueBody) = (await raw.ReadMessageAsync())!.Value;
                Assert.Equal('R', continueType);
                Assert.Equal(11, BinaryPrimitives.ReadInt32BigEndian(continueBody));
                serverFirst = Encoding.UTF8.GetString(continueBody.AsSpan(4));
                Assert.True(scram.TryContinue(continueBody.AsSpan(4), out var final, out var error), error);
                await raw.SendAsync(PasswordMessage(final));
                break;
            default:
                Assert.Fail($"unexpected authentication request {code}");
                break;
        }
        var (lastType, lastBody) = (await raw.ReadMessageAsync())!.Value;
        return new RawLogin(type, code, body.Length, serverFirst, lastType == 'E' ? lastBody : null);
    }

    private static byte[] PasswordMessage(byte[] payload)
    {
        var message = new byte[5 + payload.Length];
        message[0] = (byte)'p';
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), 4 + payload.Length);
        payload.CopyTo(message, 5);
        return message;
    }
}
