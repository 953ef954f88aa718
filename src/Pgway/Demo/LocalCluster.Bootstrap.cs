using System.Globalization;
using System.Text;
using Npgsql;
using Pgway.LocalPostgres;

namespace Pgway.Demo;

// Building the cluster: initdb and configuration of the primary, roles and databases, standbys by pg_basebackup.
internal sealed partial class LocalCluster
{
    private const string SharedSettings = """

        # --- pgway demo: shared by every instance (pg_basebackup copies this file) ---
        wal_level = replica
        max_wal_senders = 10
        max_replication_slots = 10
        hot_standby = on
        wal_keep_size = 64MB
        password_encryption = 'scram-sha-256'
        shared_buffers = 32MB
        # A standby whose upstream went away retries after 5 s by default; a failover should not wait that long.
        wal_retrieve_retry_interval = 1s
        # pg_ctl -l sends the server log to the instance's postgres.log, outside the data directory.
        logging_collector = off
        log_line_prefix = '%m [%p] %q%u@%d '
        # Per-instance settings (address, socket directory, upstream) live in instance.conf, last so they win.
        include_if_exists = 'instance.conf'

        """;

    // Trust only on the instance's own socket directory, which only its owner may enter; SCRAM over TCP.
    private const string HbaRules = """
        # pgway demo: the database superuser over the instance's own socket, everyone else with SCRAM on loopback.
        local   all           all                       trust
        host    all           all          127.0.0.0/8  scram-sha-256
        host    replication   all          127.0.0.0/8  scram-sha-256

        """;

    /// <summary>
    /// Writes PgBouncer's userlist for <paramref name="users"/>: their SCRAM verifiers as pg_authid
    /// holds them on the primary, so that the pooler checks clients and logs in to the servers for
    /// them without knowing their passwords.
    /// </summary>
    public async Task WriteUserListAsync(string path, IReadOnlyList<string> users, CancellationToken cancellationToken)
    {
        await using var connection = Connect(Primary);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY($1) AND rolpassword IS NOT NULL ORDER BY rolname", connection)
        {
            Parameters = { new() { Value = users.ToArray() } },
        };
        var list = new StringBuilder("; PgBouncer's userlist, written by pgway demo from pg_authid\n");
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                list.Append(CultureInfo.InvariantCulture, $"\"{reader.GetString(0)}\" \"{reader.GetString(1)}\"\n");
            }
        }
        await File.WriteAllTextAsync(path, list.ToString(), cancellationToken);
    }

    private async Task InitPrimaryAsync(CancellationToken cancellationToken)
    {
        PrepareInstanceDirectory(Primary);
        await runner.HandOverAsync(Directory, cancellationToken);
        var result = await runner.RunPgAsync(
            "initdb",
            ["-D", Primary.DataDirectory, "-U", "postgres", "--encoding=UTF8", "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"],
            Primary.Directory,
            null,
            OperationTimeout,
            cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"initdb of {Primary.Name} failed: {result.Describe()}");
        }
        await File.AppendAllTextAsync(Path.Combine(Primary.DataDirectory, "postgresql.conf"), SharedSettings, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(Primary.DataDirectory, "pg_hba.conf"), HbaRules, cancellationToken);
        await WriteInstanceConfAsync(Primary, upstream: null, cancellationToken);
        await runner.HandOverAsync(Primary.Directory, cancellationToken);
    }

    private async Task CreateRolesAsync(CancellationToken cancellationToken)
    {
        var inventory = Primary.Inventory;
        await ExecuteAsync(Primary, DemoRoles.CreateSql(inventory), cancellationToken);
        foreach (var database in DemoRoles.Databases(inventory))
        {
            // CREATE DATABASE refuses to run inside the implicit transaction of a multi-statement batch.
            await ExecuteAsync(Primary, $"CREATE DATABASE {DemoRoles.Identifier(database)}", cancellationToken);
            await ExecuteAsync(Primary, DemoRoles.DatabaseSql(inventory), cancellationToken, database);
        }
    }

    private async Task CloneAsync(LocalInstance standby, CancellationToken cancellationToken)
    {
        Remove(standby.Directory);
        PrepareInstanceDirectory(standby);
        await runner.HandOverAsync(standby.Directory, cancellationToken);
        var (user, password) = DemoRoles.Replication(standby.Inventory);
        // -c fast: without it pg_basebackup waits for a spread checkpoint, minutes instead of a second.
        var result = await runner.RunPgAsync(
            "pg_basebackup",
            [
                "-h", Primary.Address, "-p", Primary.Port.ToString(CultureInfo.InvariantCulture), "-U", user,
                "-D", standby.DataDirectory, "-X", "stream", "-S", standby.SlotName, "-c", "fast", "--no-password", "--no-sync",
            ],
            standby.Directory,
            new Dictionary<string, string> { ["PGPASSWORD"] = password },
            OperationTimeout,
            cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(LogTail.Describe($"pg_basebackup of {standby.Name} from {Primary.Name} failed: {result.Describe()}", Primary.LogPath));
        }
        await File.WriteAllTextAsync(Path.Combine(standby.DataDirectory, "standby.signal"), string.Empty, cancellationToken);
        await WriteInstanceConfAsync(standby, Primary, cancellationToken);
        await runner.HandOverAsync(standby.Directory, cancellationToken);
    }

    // The settings that differ per instance, in instance.conf, which postgresql.conf includes last.
    private async Task WriteInstanceConfAsync(LocalInstance instance, LocalInstance? upstream, CancellationToken cancellationToken)
    {
        var conf = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# {instance.Name}, written by pgway demo")
            .AppendLine(CultureInfo.InvariantCulture, $"listen_addresses = '{instance.Address}'")
            .AppendLine(CultureInfo.InvariantCulture, $"port = {instance.Port}")
            .AppendLine(CultureInfo.InvariantCulture, $"unix_socket_directories = '{instance.SocketDirectory}'")
            .AppendLine(CultureInfo.InvariantCulture, $"cluster_name = '{instance.Name}'");
        if (upstream is not null)
        {
            var (user, password) = DemoRoles.Replication(instance.Inventory);
            conf.AppendLine(CultureInfo.InvariantCulture,
                    $"primary_conninfo = 'host={upstream.Address} port={upstream.Port} user={user} password={password} application_name={instance.Name} sslmode=disable'")
                .AppendLine(CultureInfo.InvariantCulture, $"primary_slot_name = '{instance.SlotName}'");
        }
        var path = Path.Combine(instance.DataDirectory, "instance.conf");
        await File.WriteAllTextAsync(path, conf.ToString(), cancellationToken);
        await runner.HandOverAsync(path, cancellationToken);
    }

    private static void PrepareInstanceDirectory(LocalInstance instance)
    {
        System.IO.Directory.CreateDirectory(instance.Directory);
        // Only the server's owner may reach its socket: pg_hba.conf trusts every local connection.
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(instance.SocketDirectory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(instance.SocketDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
