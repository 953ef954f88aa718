using System.Globalization;

namespace Pgway.Testing.Network;

// Each host's own pgway serve, the inventory they share, and psql from the client namespace.
internal sealed partial class MultiHostCluster
{
    private const int SigStop = 19;
    private const int SigCont = 18;

    private readonly Dictionary<MultiHostMember, DaemonProcess> _pgways = [];

    /// <summary>The primary service (<c>dest: default</c>, i.e. the primary's node pooler).</summary>
    public const int PrimaryServicePort = 5433;

    /// <summary>The replica service (<c>dest: default</c>).</summary>
    public const int ReplicaServicePort = 5434;

    /// <summary>The default service (<c>dest: postgres</c>: an L4 splice to the primary's postgres).</summary>
    public const int DefaultServicePort = 5436;

    /// <summary>A custom primary service with <c>dest: pool</c> (pgway pools to the primary's postgres itself).</summary>
    public const int PoolServicePort = 5440;

    /// <summary>The node pooler each pgway runs (PgBouncer's port).</summary>
    public const int NodePoolerPort = 6432;

    // Fast checks, so the services follow the members within about a second instead of Pigsty's 3 s intervals.
    private const string CheckOptions = "'inter 500ms fastinter 200ms downinter 500ms rise 2 fall 2 on-marked-down shutdown-sessions'";

    /// <summary>
    /// The inventory: the three hosts with pg_seq and pg_role, the services above, the business user with
    /// <c>pgbouncer: true</c>, and a pgb_hba rule admitting the test segment (Pigsty's default rules admit
    /// only 10/8, 172.16/12 and 192.168/16 as the intranet, so a pgway hopping to another host's pooler
    /// would be refused).
    /// </summary>
    public string RenderInventory() => PigstyInventory.Render(
        ClusterName,
        Members.Select(member => (member.Host.Address, member.Seq, member.Role)),
        [
            new("pg_monitor_password", $"'{Credentials.PasswordFor(PgTestUsers.Monitor)}'"),
            new("pg_admin_password", $"'{Credentials.PasswordFor(PgTestUsers.Dba)}'"),
            new("pg_users", $"[{{name: {PgTestUsers.Meta}, password: '{Credentials.PasswordFor(PgTestUsers.Meta)}', pgbouncer: true}}]"),
            new("pgbouncer_poolmode", "transaction"),
            new("pg_default_services", "[" + string.Join(", ",
                Service("primary", PrimaryServicePort, "default", "/primary", backup: null),
                Service("replica", ReplicaServicePort, "default", "/read-only", backup: "'[? pg_role == `primary` ]'"),
                Service("default", DefaultServicePort, "postgres", "/primary", backup: null)) + "]"),
            new("pg_services", "[" + Service("pool", PoolServicePort, "pool", "/primary", backup: null) + "]"),
            new("pgb_hba_rules", $"[{{user: all, db: all, addr: '{TestNetwork.Subnet}', auth: pwd, title: 'the test network'}}]"),
            .. _options.Patroni
                ? [new KeyValuePair<string, string>("pg_dcs", $"{{ type: etcd, endpoints: [ {string.Join(", ", EtcdEndpoints.Select(endpoint => $"\"http://{endpoint}\""))} ], namespace: {PatroniNamespace} }}")]
                : Array.Empty<KeyValuePair<string, string>>(),
            .. _options.InventoryVars,
        ]);

    /// <summary>
    /// Runs <c>psql</c> in the client namespace against <paramref name="host"/>:<paramref name="port"/> as the business
    /// user, unaligned and tuples-only, and returns the result (stdout holds the rows, '|'-separated).
    /// </summary>
    public Task<CommandResult> PsqlFromClientAsync(NetworkHost host, int port, string sql, CancellationToken cancellationToken = default) =>
        PsqlFromClientAsync(host.Address, port, sql, cancellationToken);

    /// <summary>As <see cref="PsqlFromClientAsync(NetworkHost, int, string, CancellationToken)"/>, to any address (a VIP).</summary>
    public Task<CommandResult> PsqlFromClientAsync(System.Net.IPAddress address, int port, string sql, CancellationToken cancellationToken = default) =>
        PsqlFromClientAsync(address.ToString(), port, sql, null, cancellationToken);

    /// <summary>
    /// As <see cref="PsqlFromClientAsync(NetworkHost, int, string, CancellationToken)"/>, to a name the client namespace's
    /// resolver looks up, with libpq's <c>target_session_attrs</c> when given.
    /// </summary>
    public Task<CommandResult> PsqlFromClientAsync(string host, int port, string sql, string? targetSessionAttrs = null, CancellationToken cancellationToken = default) =>
        TestNetwork.RunAsync(
            Network.Client,
            _runner.Binaries.PathOf("psql"),
            ["-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql,
             $"host={host} port={port.ToString(CultureInfo.InvariantCulture)} user={PgTestUsers.Meta} dbname={PgTestUsers.TestDatabase} sslmode=disable connect_timeout=5{(targetSessionAttrs is null ? "" : $" target_session_attrs={targetSessionAttrs}")}"],
            new Dictionary<string, string> { ["PGPASSWORD"] = Credentials.PasswordFor(PgTestUsers.Meta) },
            TimeSpan.FromSeconds(30),
            cancellationToken);

    private static string Service(string name, int port, string dest, string check, string? backup) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{{name: {name}, port: {port}, dest: {dest}, check: {check}, selector: '[]'{(backup is null ? string.Empty : $", backup: {backup}")}, options: {CheckOptions}}}");

    private async Task StartPgwayAsync(IReadOnlyList<string> serveCommand, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(InventoryPath, RenderInventory(), cancellationToken);
        foreach (var member in Members)
        {
            StartPgway(member);
        }

        // Ready when every host's primary service reaches the primary from the client: health checks,
        // listeners and the poolers across hosts all work then.
        foreach (var member in Members)
        {
            await WaitForPrimaryServiceAsync(member.Host, cancellationToken);
        }
    }

    /// <summary>
    /// Freezes (SIGSTOP) or thaws (SIGCONT) <paramref name="member"/>'s pgway: a node slow to act (a loaded host, a
    /// long GC pause) while its kernel keeps answering for the addresses it holds.
    /// </summary>
    public void FreezePgway(MultiHostMember member, bool frozen)
    {
        var pgway = _pgways.TryGetValue(member, out var process) && process.IsRunning
            ? process
            : throw new InvalidOperationException($"{member}'s pgway is not running.");
        if (NativeMethods.SendSignal(pgway.Pid, frozen ? SigStop : SigCont) != 0)
        {
            throw new InvalidOperationException($"Could not {(frozen ? "stop" : "continue")} {member}'s pgway (PID {pgway.Pid}).");
        }
    }

    /// <summary>Starts <paramref name="member"/>'s <c>pgway serve</c> (with <c>--no-agent</c> where Patroni answers the checks).</summary>
    private void StartPgway(MultiHostMember member)
    {
        var serveCommand = _options.ServeCommand ?? throw new InvalidOperationException("The cluster runs no pgway (no ServeCommand).");
        _pgways[member] = Network.Start(
            member.Host,
            "pgway",
            member.Directory,
            serveCommand[0],
            [.. serveCommand.Skip(1), "-c", InventoryPath, "--node", member.Host.Address.ToString(), "--runtime-dir", member.RuntimeDirectory, .. _options.Patroni ? ["--no-agent"] : Array.Empty<string>()],
            member.RuntimeDirectory);
    }

    /// <summary>Waits until <paramref name="host"/>'s primary service reaches a primary from the client namespace.</summary>
    public async Task WaitForPrimaryServiceAsync(NetworkHost host, CancellationToken cancellationToken = default)
    {
        CommandResult? last = null;
        await Wait.UntilAsync(
            async token =>
            {
                last = await PsqlFromClientAsync(host, PrimaryServicePort, "SELECT pg_is_in_recovery()", token);
                return last.Succeeded && last.StandardOutput.Trim() == "f";
            },
            _options.OperationTimeout,
            () => $"{host}:{PrimaryServicePort} did not reach the primary: {last?.Describe()}\n{DescribeLogs()}",
            cancellationToken);
    }
}
