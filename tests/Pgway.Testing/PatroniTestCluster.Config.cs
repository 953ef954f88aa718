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
        File.WriteAllTextAsync(node.ConfigPath, PatroniConfig(node).ToJsonString(s_configFormat) + "\n", cancellationToken);

    private JsonObject PatroniConfig(PatroniNode node)
    {
        var postgres = $"{node.Address}:{PgPort}";
        var restApi = $"{node.Address}:{RestApiPort}";
        return new JsonObject
        {
            ["scope"] = Scope,
            ["namespace"] = Namespace,
            ["name"] = node.Name,
            ["restapi"] = new JsonObject { ["listen"] = restApi, ["connect_address"] = restApi },
            ["etcd3"] = new JsonObject { ["hosts"] = new JsonArray(Etcd.ClientEndpoint) },
            ["bootstrap"] = new JsonObject
            {
                ["dcs"] = new JsonObject
                {
                    ["ttl"] = Options.Ttl,
                    ["loop_wait"] = Options.LoopWait,
                    ["retry_timeout"] = Options.RetryTimeout,
                    ["synchronous_mode"] = Options.SynchronousMode,
                    ["postgresql"] = new JsonObject { ["use_pg_rewind"] = Options.UsePgRewind, ["use_slots"] = true },
                },
                ["initdb"] = new JsonArray(new JsonObject { ["encoding"] = "UTF8" }, new JsonObject { ["locale"] = "C" }),
            },
            ["postgresql"] = new JsonObject
            {
                ["listen"] = postgres,
                ["connect_address"] = postgres,
                ["data_dir"] = node.DataDirectory,
                ["bin_dir"] = Binaries.Directory,
                ["pgpass"] = Path.Combine(node.Directory, "pgpass"),

                // Patroni's own connection goes over the node's socket, where pg_hba trusts it.
                ["use_unix_socket"] = true,
                ["authentication"] = new JsonObject
                {
                    ["superuser"] = Login(PgTestUsers.Postgres),
                    ["replication"] = Login(PgTestUsers.Replicator),
                },

                // Without a fast checkpoint pg_basebackup waits for a spread one: tens of seconds per replica.
                ["basebackup"] = new JsonArray(new JsonObject { ["checkpoint"] = "fast" }),

                // A killed leader that cannot rewind clones afresh rather than stay down for the rest of the test.
                ["remove_data_directory_on_rewind_failure"] = true,
                ["remove_data_directory_on_diverged_timelines"] = true,
                ["pg_hba"] = new JsonArray([.. PgTestServerSettings.HbaRules.Select(rule => JsonValue.Create(rule))]),
                ["parameters"] = Parameters(node),
            },
            ["watchdog"] = new JsonObject { ["mode"] = "off" },
            ["tags"] = Tags(node),
        };
    }

    private JsonObject Login(string user) => new() { ["username"] = user, ["password"] = Credentials.PasswordFor(user) };

    private static JsonObject Parameters(PatroniNode node)
    {
        // Patroni passes wal_level, max_wal_senders, max_connections, hot_standby… on postgres's command line itself.
        var parameters = new JsonObject
        {
            ["unix_socket_directories"] = node.SocketDirectory,

            // Patroni gives postgres its own stdout, so the logging collector writes the node's postgres.log.
            ["logging_collector"] = "on",
            ["log_directory"] = node.Directory,
            ["log_filename"] = Path.GetFileName(node.LogPath),
            ["log_rotation_age"] = "0",
            ["log_rotation_size"] = "0",
        };
        foreach (var (name, value, _) in PgTestServerSettings.Tuning)
        {
            parameters[name] = value;
        }

        return parameters;
    }

    private static JsonObject Tags(PatroniNode node)
    {
        var tags = new JsonObject();
        foreach (var (key, value) in node.Tags)
        {
            tags[key] = value switch
            {
                bool flag => JsonValue.Create(flag),
                int number => JsonValue.Create(number),
                string text => JsonValue.Create(text),
                _ => throw new ArgumentException($"Tag '{key}' of {node.Name} has a {value.GetType().Name} value; use bool, int or string."),
            };
        }

        return tags;
    }
}
