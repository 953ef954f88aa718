using System.Globalization;
using System.Text;
using Pgway.Model;

namespace Pgway.Demo;

/// <summary>
/// The roles of the demo cluster, read from its inventory so the inventory stays the one place that
/// names users and passwords: Pigsty's default roles (the four <c>dbrole_*</c> groups and the system
/// users of <c>pg_admin_*</c>, <c>pg_monitor_*</c>, <c>pg_replication_*</c>), then <c>pg_users</c>.
/// </summary>
internal static class DemoRoles
{
    /// <summary>The system users whose SCRAM verifiers go into the poolers' userlist, as Pigsty's defaults list them in pgbouncer.</summary>
    public static IReadOnlyList<string> PoolerSystemUsers(Instance instance) =>
        [instance.Logins.AdminUser ?? "dbuser_dba", instance.Logins.MonitorUser ?? "dbuser_monitor"];

    /// <summary>The replication user and its password.</summary>
    public static (string User, string Password) Replication(Instance instance) =>
        (instance.Logins.ReplicationUser ?? "replicator", Required(instance.Logins.ReplicationPassword, "pg_replication_password"));

    /// <summary>The administrator and its password (<c>pg_admin_username</c>, <c>pg_admin_password</c>).</summary>
    public static (string User, string Password) Admin(Instance instance) =>
        (instance.Logins.AdminUser ?? "dbuser_dba", Required(instance.Logins.AdminPassword, "pg_admin_password"));

    /// <summary>The first user of <c>pg_users</c> with a password, and the first database, for the connection strings to try.</summary>
    public static (string User, string Password, string Database)? BusinessUser(Instance instance) =>
        instance.Users.FirstOrDefault(u => u.Password is not null) is { Password: { } password } user
            ? (user.Name, password, Databases(instance) is [var first, ..] ? first : "postgres")
            : null;

    /// <summary>The statements that create every role, as one batch for the primary's superuser.</summary>
    public static string CreateSql(Instance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var sql = new StringBuilder();
        void Role(string name, string attributes, string? password, IEnumerable<string> memberOf)
        {
            sql.Append(CultureInfo.InvariantCulture, $"CREATE ROLE {Identifier(name)} {attributes}");
            if (password is not null)
            {
                sql.Append(CultureInfo.InvariantCulture, $" PASSWORD {Literal(password)}");
            }
            sql.Append(";\n");
            foreach (var group in memberOf)
            {
                sql.Append(CultureInfo.InvariantCulture, $"GRANT {Identifier(group)} TO {Identifier(name)};\n");
            }
        }

        // Pigsty's pg_default_roles: read-only, offline (ETL) read-only, read-write, and admin (DDL).
        Role("dbrole_readonly", "NOLOGIN", null, []);
        Role("dbrole_offline", "NOLOGIN", null, []);
        Role("dbrole_readwrite", "NOLOGIN", null, ["dbrole_readonly"]);
        Role("dbrole_admin", "NOLOGIN", null, ["pg_monitor", "dbrole_readwrite"]);
        var (replicator, replicatorPassword) = Replication(instance);
        Role(replicator, "LOGIN REPLICATION", replicatorPassword, ["pg_monitor", "dbrole_readonly"]);
        var (admin, adminPassword) = Admin(instance);
        Role(admin, "LOGIN SUPERUSER", adminPassword, ["dbrole_admin"]);
        Role(instance.Logins.MonitorUser ?? "dbuser_monitor", "LOGIN", Required(instance.Logins.MonitorPassword, "pg_monitor_password"), ["pg_monitor"]);
        foreach (var user in instance.Users)
        {
            Role(user.Name, "LOGIN", user.Password, user.Roles);
        }
        return sql.ToString();
    }

    /// <summary>The statements run in each of the inventory's databases: who may create and read what.</summary>
    public static string DatabaseSql(Instance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var sql = new StringBuilder("""
            GRANT USAGE ON SCHEMA public TO dbrole_readonly, dbrole_offline;
            GRANT CREATE ON SCHEMA public TO dbrole_admin;

            """);
        // Tables made by the administrators and the admin users are readable and writable by the
        // groups, as Pigsty's pg_default_privileges arrange.
        IEnumerable<string> owners = ["postgres", instance.Logins.AdminUser ?? "dbuser_dba", .. instance.Users.Where(u => u.Roles.Contains("dbrole_admin")).Select(u => u.Name)];
        foreach (var owner in owners)
        {
            var role = Identifier(owner);
            sql.Append(CultureInfo.InvariantCulture, $"""
                ALTER DEFAULT PRIVILEGES FOR ROLE {role} IN SCHEMA public GRANT SELECT ON TABLES TO dbrole_readonly, dbrole_offline;
                ALTER DEFAULT PRIVILEGES FOR ROLE {role} IN SCHEMA public GRANT INSERT, UPDATE, DELETE ON TABLES TO dbrole_readwrite;
                ALTER DEFAULT PRIVILEGES FOR ROLE {role} IN SCHEMA public GRANT SELECT, USAGE ON SEQUENCES TO dbrole_readonly;
                ALTER DEFAULT PRIVILEGES FOR ROLE {role} IN SCHEMA public GRANT UPDATE ON SEQUENCES TO dbrole_readwrite;

                """);
        }
        return sql.ToString();
    }

    /// <summary>The names in <c>pg_databases</c>.</summary>
    public static IReadOnlyList<string> Databases(Instance instance) => instance is null ? [] : instance.Databases;

    /// <summary>A double-quoted identifier.</summary>
    public static string Identifier(string name) => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    private static string Literal(string text) => $"'{text.Replace("'", "''", StringComparison.Ordinal)}'";

    // The demo's inventory names every password: none is made up here.
    private static string Required(string? value, string name) =>
        value ?? throw new InvalidOperationException($"the demo inventory must set {name}");
}
