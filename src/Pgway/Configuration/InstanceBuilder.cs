using System.Collections.Frozen;
using Newtonsoft.Json.Linq;
using Pgway.Model;

namespace Pgway.Configuration;

/// <summary>Builds typed <see cref="Instance"/>s from a cluster's hosts, checking each identity variable.</summary>
internal sealed partial class InstanceBuilder(DiagnosticBag diagnostics)
{
    private static readonly FrozenDictionary<string, InstanceRole> Roles = new Dictionary<string, InstanceRole>
    {
        ["primary"] = InstanceRole.Primary,
        ["replica"] = InstanceRole.Replica,
        ["offline"] = InstanceRole.Offline,
        ["standby"] = InstanceRole.Standby,
        ["delayed"] = InstanceRole.Delayed,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public Instance? Build(string cluster, HostSource host)
    {
        var variables = host.Variables;
        var ok = true;
        int Int(string name, int fallback, int min, int max)
        {
            if (variables[name] is not { } variable || variable.Value.Type == JTokenType.Null)
            {
                return fallback;
            }
            if (MappingReader.TryInt(variable.Value, out var value) && value >= min && value <= max)
            {
                return value;
            }
            diagnostics.Error(variable.Location, $"{host.Describe(name)} must be an integer from {min} to {max}, got '{variable.Value}'");
            ok = false;
            return fallback;
        }

        var seq = -1;
        if (variables.Value("pg_seq") is null)
        {
            diagnostics.Error(host.Location, $"host '{host.Address}' of cluster '{cluster}' has no pg_seq (the instance number, e.g. pg_seq: 1)");
            ok = false;
        }
        else
        {
            seq = Int("pg_seq", -1, 0, 1_000_000);
        }

        var role = InstanceRole.Replica;
        if (variables["pg_role"] is not { } roleVariable || roleVariable.Value.Type == JTokenType.Null)
        {
            diagnostics.Error(host.Location, $"host '{host.Address}' of cluster '{cluster}' has no pg_role (primary, replica or offline)");
            ok = false;
        }
        else if (!Roles.TryGetValue(roleVariable.Value.ToString(), out role))
        {
            var text = roleVariable.Value.ToString();
            diagnostics.Error(roleVariable.Location, $"pg_role '{text}' of '{host.Address}' is not one of {string.Join(", ", Roles.Keys)}{Suggestions.DidYouMean(text, Roles.Keys)}");
            ok = false;
        }

        var offline = false;
        if (variables["pg_offline_query"] is { } offlineVariable && offlineVariable.Value.Type != JTokenType.Null)
        {
            if (offlineVariable.Value.Type == JTokenType.Boolean)
            {
                offline = offlineVariable.Value.Value<bool>();
            }
            else
            {
                diagnostics.Error(offlineVariable.Location, $"{host.Describe("pg_offline_query")} must be true or false, got '{offlineVariable.Value}'");
                ok = false;
            }
        }

        var weight = Int("pg_weight", 100, 0, 255);
        var pgPort = Int("pg_port", 5432, 1, 65535);
        var pgbouncerPort = Int("pgbouncer_port", 6432, 1, 65535);
        var patroniPort = Int("patroni_port", 8008, 1, 65535);
        var exporterPort = Int("pg_exporter_port", 9630, 1, 65535);
        var adminPort = Int("haproxy_exporter_port", 9101, 1, 65535);
        if (variables["pg_tags"] is { } tags && tags.Value.Type is not (JTokenType.Object or JTokenType.Null))
        {
            diagnostics.Error(tags.Location, $"{host.Describe("pg_tags")} must be a mapping of Patroni tags (e.g. {{noloadbalance: true}}), got '{tags.Value}'");
            ok = false;
        }
        var adminAuth = AdminAuth(host, out var adminValid);
        ok &= adminValid;
        var patroniCaFile = PatroniCaFile(host, out var tlsValid);
        ok &= tlsValid;
        var json = variables.ToJson();
        json["inventory_hostname"] = host.Address;
        var instance = WithSettings(new Instance(cluster, seq, host.Address, role, offline, weight, pgPort, pgbouncerPort, patroniPort, exporterPort, adminPort, json, host.Location)
        {
            AdminAuth = adminAuth,
            PatroniCaFile = patroniCaFile,
        }, host, json, ref ok);
        return ok ? instance : null;
    }

    /// <summary>A node of a <c>pg_service_provider</c> group: its admin endpoint's port and credentials, as an instance's.</summary>
    public ServiceNode? BuildServiceNode(HostSource host)
    {
        var port = 9101;
        if (host.Variables["haproxy_exporter_port"] is { } variable && variable.Value.Type != JTokenType.Null)
        {
            if (!MappingReader.TryInt(variable.Value, out port) || port is < 1 or > 65535)
            {
                diagnostics.Error(variable.Location, $"haproxy_exporter_port of '{host.Address}' must be an integer from 1 to 65535, got '{variable.Value}'");
                return null;
            }
        }
        var adminAuth = AdminAuth(host, out var valid);
        return valid ? new ServiceNode(host.Address, port, host.Variables.Value("nodename")?.ToString()) { AdminAuth = adminAuth } : null;
    }

    /// <summary>Where Pigsty puts its CA on every node: /pg/cert/ca.crt since v2.7, /etc/pki/ca.crt before.</summary>
    public const string PigstyCaFile = "/pg/cert/ca.crt";

    /// <summary>Pigsty v2.0–v2.6's CA path in its service template.</summary>
    public const string PigstyCaFileBeforeV27 = "/etc/pki/ca.crt";

    // patroni_ssl_enabled is read per host, as Pigsty's service template reads it (host.patroni_ssl_enabled).
    private string? PatroniCaFile(HostSource host, out bool valid)
    {
        valid = true;
        var variables = host.Variables;
        if (variables["patroni_ssl_enabled"] is not { } enabled || enabled.Value.Type == JTokenType.Null)
        {
            return null;
        }
        if (enabled.Value.Type != JTokenType.Boolean)
        {
            diagnostics.Error(enabled.Location, $"patroni_ssl_enabled of '{host.Address}' must be true or false, got '{enabled.Value}'");
            valid = false;
            return null;
        }
        if (!enabled.Value.Value<bool>())
        {
            return null;
        }
        if (variables["pgway_patroni_ca_file"] is { } file && file.Value.Type != JTokenType.Null)
        {
            if (file.Value.Type != JTokenType.String || file.Value.ToString().Length == 0)
            {
                diagnostics.Error(file.Location, $"pgway_patroni_ca_file of '{host.Address}' must be the path of a PEM file, got '{file.Value}'");
                valid = false;
                return null;
            }
            return file.Value.ToString();
        }
        return PigstyVersion.Before(variables, 2, 7) ? PigstyCaFileBeforeV27 : PigstyCaFile;
    }

    // Pigsty's own Prometheus scrapes haproxy's /metrics without credentials (its stats auth guards the
    // stats page only), so pgway asks for them on /metrics only when the inventory sets a password,
    // rather than with Pigsty's default admin/pigsty.
    private const string PigstyAdminUsername = "admin";

    private AdminCredentials? AdminAuth(HostSource host, out bool valid)
    {
        var ok = true;
        var variables = host.Variables;
        var enabled = true;
        if (variables["haproxy_auth_enabled"] is { } enabledVariable && enabledVariable.Value.Type != JTokenType.Null)
        {
            if (enabledVariable.Value.Type == JTokenType.Boolean)
            {
                enabled = enabledVariable.Value.Value<bool>();
            }
            else
            {
                diagnostics.Error(enabledVariable.Location, $"{host.Describe("haproxy_auth_enabled")} must be true or false, got '{enabledVariable.Value}'");
                ok = false;
            }
        }
        string? Text(string name)
        {
            if (variables[name] is not { } variable || variable.Value.Type == JTokenType.Null)
            {
                return null;
            }
            if (variable.Value.Type is JTokenType.Object or JTokenType.Array || variable.Value.ToString().Length == 0)
            {
                diagnostics.Error(variable.Location, $"{host.Describe(name)} must be a non-empty string, got '{variable.Value}'");
                ok = false;
                return null;
            }
            return variable.Value.ToString();
        }
        var password = Text("haproxy_admin_password");
        // Pigsty's haproxy role defaults the user name to 'admin', so a password alone is complete.
        var username = Text("haproxy_admin_username") ?? (password is null ? null : PigstyAdminUsername);
        if (username is not null && username.Contains(':', StringComparison.Ordinal))
        {
            diagnostics.Error(variables["haproxy_admin_username"]!.Location, $"{host.Describe("haproxy_admin_username")} must not contain ':' (basic auth splits there)");
            ok = false;
        }
        if (enabled && username is not null && password is null)
        {
            // Pigsty's default password 'pigsty' is published, so pgway does not guard /metrics with it.
            diagnostics.Error(variables["haproxy_admin_username"]!.Location,
                $"{host.Describe("haproxy_admin_username")} is set but haproxy_admin_password is not: set the password to protect /metrics (Pigsty's published default is no protection), or neither");
            ok = false;
        }
        valid = ok;
        return enabled && username is not null && password is not null ? new AdminCredentials(username, password) : null;
    }
}
