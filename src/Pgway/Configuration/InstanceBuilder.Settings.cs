using System.Collections.Immutable;
using System.Globalization;
using Newtonsoft.Json.Linq;
using Pgway.Model;

namespace Pgway.Configuration;

// The variables pgway's runtime acts on, read once here into typed properties of the instance:
// nothing outside Configuration reads an instance's variables by name.
internal sealed partial class InstanceBuilder
{
    private Instance WithSettings(Instance instance, HostSource host, JObject json, ref bool ok)
    {
        var valid = true;
        bool Flag(string name)
        {
            if (host.Variables[name] is not { } variable || variable.Value.Type == JTokenType.Null)
            {
                return true;
            }
            if (variable.Value.Type == JTokenType.Boolean)
            {
                return variable.Value.Value<bool>();
            }
            diagnostics.Error(variable.Location, $"{host.Describe(name)} must be true or false, got '{variable.Value}'");
            valid = false;
            return true;
        }
        string? Text(string name)
        {
            if (host.Variables[name] is not { } variable || variable.Value.Type == JTokenType.Null)
            {
                return null;
            }
            if (variable.Value is not JValue value)
            {
                diagnostics.Error(variable.Location, $"{host.Describe(name)} must be a single value, got '{variable.Value}'");
                valid = false;
                return null;
            }
            return value.ToString(CultureInfo.InvariantCulture);
        }

        var settings = instance with
        {
            PoolerEnabled = Flag("pgbouncer_enabled"),
            PatroniEnabled = Flag("patroni_enabled"),
            Logins = new InstanceLogins(Text("pg_monitor_username"), Text("pg_monitor_password"), Text("pg_admin_username"),
                Text("pg_admin_password"), Text("patroni_username"), Text("patroni_password"),
                Text("pg_replication_username"), Text("pg_replication_password")),
            NodeName = json["nodename"] is JValue { Type: not JTokenType.Null } node ? node.ToString(CultureInfo.InvariantCulture) : null,
            Upstream = Text("pg_upstream"),
            Tags = json["pg_tags"] as JObject,
            Databases = DatabaseNames(json["pg_databases"]),
            Users = Users(json["pg_users"]),
        };
        ok &= valid;
        return settings;
    }

    // The lists' entries are checked where the pooler reads them (PoolerSettingsReader); here only what the demo needs.
    private static ImmutableArray<string> DatabaseNames(JToken? list) =>
        list is JArray databases
            ? [.. databases.OfType<JObject>().Select(d => d["name"]?.ToString()).OfType<string>().Where(n => n.Length > 0)]
            : [];

    private static ImmutableArray<DatabaseUser> Users(JToken? list)
    {
        if (list is not JArray users)
        {
            return [];
        }
        var found = ImmutableArray.CreateBuilder<DatabaseUser>();
        foreach (var user in users.OfType<JObject>())
        {
            if (user["name"]?.ToString() is { Length: > 0 } name)
            {
                ImmutableArray<string> roles = user["roles"] is JArray groups ? [.. groups.Select(g => g.ToString())] : [];
                found.Add(new DatabaseUser(name, user["password"]?.ToString(), roles));
            }
        }
        return found.ToImmutable();
    }
}
