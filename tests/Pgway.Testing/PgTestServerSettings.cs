using System.Globalization;
using System.Text;

namespace Pgway.Testing;

/// <summary>
/// PostgreSQL settings every test server gets, whether the harness configures it itself
/// (<see cref="PgTestCluster"/>) or through Patroni (<see cref="PatroniTestCluster"/>).
/// </summary>
internal static class PgTestServerSettings
{
    // The UNIX socket path limit is 107 bytes; a long TMPDIR would make postgres fail obscurely.
    private const int MaxSocketPathLength = 100;

    /// <summary>
    /// pg_hba.conf: trust over the server's own socket, SCRAM over TCP on loopback, replication
    /// included; two role names keep the older methods so pgway's server log-in is tested with each.
    /// </summary>
    public static IReadOnlyList<string> HbaRules { get; } =
    [
        "local   all           all                     trust",
        $"host    all           {PgTestUsers.Md5Login}  127.0.0.0/8  md5",
        $"host    all           {PgTestUsers.CleartextLogin} 127.0.0.0/8 password",
        "host    all           all        127.0.0.0/8  scram-sha-256",
        "host    replication   all        127.0.0.0/8  scram-sha-256",
    ];

    /// <summary>Settings for speed and for predictable tests, each with the reason it is set (null: self-explanatory).</summary>
    public static IReadOnlyList<(string Name, string Value, string? Why)> Tuning { get; } =
    [
        ("wal_keep_size", "128MB", null),
        ("wal_retrieve_retry_interval", "200ms", "A standby whose upstream restarts retries after 5 s by default; tests should not wait that long."),
        ("fsync", "off", "Durability is worthless for throw-away test data and fsync costs seconds per cluster."),
        ("shared_buffers", "16MB", null),
        ("password_encryption", "scram-sha-256", null),
        ("log_line_prefix", "%m [%p] %q%u@%d ", null),
    ];

    /// <summary>The rules of <see cref="HbaRules"/> as a pg_hba.conf file.</summary>
    public static string HbaFile() =>
        "# pgway test harness: trust over the server's own socket, SCRAM over TCP on loopback.\n" + string.Join('\n', HbaRules) + "\n";

    /// <summary>The settings of <see cref="Tuning"/> as postgresql.conf lines, with their reasons as comments.</summary>
    public static string TuningConf()
    {
        var conf = new StringBuilder();
        foreach (var (name, value, why) in Tuning)
        {
            if (why is not null)
            {
                conf.Append(CultureInfo.InvariantCulture, $"# {why}\n");
            }

            conf.Append(CultureInfo.InvariantCulture, $"{name} = '{value}'\n");
        }

        return conf.ToString();
    }

    /// <summary>Creates <paramref name="socketDirectory"/>, refusing one whose socket path would be too long for a UNIX socket.</summary>
    public static void CreateSocketDirectory(string socketDirectory, int port)
    {
        var socketPath = Path.Combine(socketDirectory, $".s.PGSQL.{port}");
        if (Encoding.UTF8.GetByteCount(socketPath) > MaxSocketPathLength)
        {
            throw new InvalidOperationException(
                $"The socket path {socketPath} is too long for a UNIX socket; point TMPDIR at a shorter directory.");
        }

        Directory.CreateDirectory(socketDirectory);
    }
}
