using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pgway.Testing;

// Each node's patroni.yml. It is written as JSON, which YAML (and so Patroni's loader) reads as is, so that
// passwords, paths and tags need no YAML quoting rules.
internal sealed partial class PatroniTestCluster
{
    private static readonly JsonSerializerOptions s_configFormat = new() { WriteIndented = true };

    /// <summary>The path of <paramref name="node"/>'s Patroni configuration, for <c>patronictl -c</c>.</summary>
    public string PatroniConfigPath(PatroniNode node) => Own(node).ConfigPath;

    private Task WriteConfigAsync(PatroniNode node, CancellationToken cancellationToken) =>
        WriteConfigAsync(node.ConfigPath, Spec(node), cancellationToken);

    /// <summary>Writes <paramref name="spec"/>'s patroni.yml to <paramref name="path"/>.</summary>
    public static Task WriteConfigAsync(string path, PatroniConfigSpec spec, CancellationToken cancellationToken) =>
        File.WriteAllTextAsync(path, BuildConfig(spec).ToJsonString(s_configFormat) + "\n", cancellationToken);

    private PatroniConfigSpec Spec(PatroniNode node) => new()
    {
        Scope = Scope,
        Namespace = Namespace,
        Name = node.Name,
        ConnectAddress = node.Address.ToString(),
        ListenAddress = node.Address.ToString(),
        EtcdHosts = [Etcd.ClientEndpoint],
        Ttl = Options.Ttl,
        LoopWait = Options.LoopWait,
        RetryTimeout = Options.RetryTimeout,
        SynchronousMode = Options.SynchronousMode,
        UsePgRewind = Options.UsePgRewind,
        BinDirectory = Binaries.Directory,
        Directory = node.Directory,
        DataDirectory = node.DataDirectory,
        SocketDirectory = node.SocketDirectory,
        LogPath = node.LogPath,
        Credentials = Credentials,
        HbaRules = PgTestServerSettings.HbaRules,
        Tags = node.Tags,
    };

    /// <summary>A node's patroni.yml, as JSON (which YAML reads as is).</summary>
    public static JsonObject BuildConfig(PatroniConfigSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var restApi = $"{spec.ConnectAddress}:{RestApiPort}";
        return new JsonObject
        {
            ["scope"] = spec.Scope,
            ["namespace"] = spec.Namespace,
            ["name"] = spec.Name,
            ["restapi"] = new JsonObject { ["listen"] = restApi, ["connect_address"] = restApi },
            ["etcd3"] = new JsonObject { ["hosts"] = new JsonArray([.. spec.EtcdHosts.Select(host => JsonValue.Create(host))]), ["use_proxies"] = spec.EtcdHostsOnly },
            ["bootstrap"] = new JsonObject
            {
                ["dcs"] = new JsonObject
                {
                    ["ttl"] = spec.Ttl,
                    ["loop_wait"] = spec.LoopWait,
                    ["retry_timeout"] = spec.RetryTimeout,
                    ["synchronous_mode"] = spec.SynchronousMode,
                    ["postgresql"] = new JsonObject { ["use_pg_rewind"] = spec.UsePgRewind, ["use_slots"] = true },
                },
                ["initdb"] = new JsonArray(new JsonObject { ["encoding"] = "UTF8" }, new JsonObject { ["locale"] = "C" }),
            },
            ["postgresql"] = new JsonObject
            {
                ["listen"] = $"{spec.ListenAddress}:{PgPort}",
                ["connect_address"] = $"{spec.ConnectAddress}:{PgPort}",
                ["data_dir"] = spec.DataDirectory,
                ["bin_dir"] = spec.BinDirectory,
                ["pgpass"] = Path.Combine(spec.Directory, "pgpass"),

                // Patroni's own connection goes over the node's socket, where pg_hba trusts it.
                ["use_unix_socket"] = true,
                ["authentication"] = new JsonObject
                {
                    ["superuser"] = Login(spec.Credentials, PgTestUsers.Postgres),
                    ["replication"] = Login(spec.Credentials, PgTestUsers.Replicator),
                },

                // Without a fast checkpoint pg_basebackup waits for a spread one: tens of seconds per replica.
                ["basebackup"] = new JsonArray(new JsonObject { ["checkpoint"] = "fast" }),

                // A killed leader that cannot rewind clones afresh rather than stay down for the rest of the test.
                ["remove_data_directory_on_rewind_failure"] = true,
                ["remove_data_directory_on_diverged_timelines"] = true,
                ["pg_hba"] = new JsonArray([.. spec.HbaRules.Select(rule => JsonValue.Create(rule))]),
                ["parameters"] = Parameters(spec),
            },
            ["watchdog"] = new JsonObject { ["mode"] = "off" },
            ["tags"] = Tags(spec),
        };
    }

    private static JsonObject Login(PgTestCredentials credentials, string user) => new() { ["username"] = user, ["password"] = credentials.PasswordFor(user) };

    private static JsonObject Parameters(PatroniConfigSpec spec)
    {
        // Patroni passes wal_level, max_wal_senders, max_connections, hot_standby… on postgres's command line itself.
        var parameters = new JsonObject
        {
            ["unix_socket_directories"] = spec.SocketDirectory,

            // Patroni gives postgres its own stdout, so the logging collector writes the node's postgres.log.
            ["logging_collector"] = "on",
            ["log_directory"] = Path.GetDirectoryName(spec.LogPath),
            ["log_filename"] = Path.GetFileName(spec.LogPath),
            ["log_rotation_age"] = "0",
            ["log_rotation_size"] = "0",
        };
        foreach (var (name, value, _) in PgTestServerSettings.Tuning)
        {
            parameters[name] = value;
        }

        return parameters;
    }

    private static JsonObject Tags(PatroniConfigSpec spec)
    {
        var tags = new JsonObject();
        foreach (var (key, value) in spec.Tags)
        {
            tags[key] = value switch
            {
                bool flag => JsonValue.Create(flag),
                int number => JsonValue.Create(number),
                string text => JsonValue.Create(text),
                _ => throw new ArgumentException($"Tag '{key}' of {spec.Name} has a {value.GetType().Name} value; use bool, int or string."),
            };
        }

        return tags;
    }
}
