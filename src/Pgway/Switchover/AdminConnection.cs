using Npgsql;
using Pgway.Model;

namespace Pgway.Switchover;

/// <summary>
/// Connections to an instance as Pigsty's admin user (<c>pg_admin_username</c> / <c>pg_admin_password</c>,
/// default <c>dbuser_dba</c>), which needs superuser for <c>ALTER SYSTEM</c> and <c>pg_promote</c>.
/// </summary>
internal static class AdminConnection
{
    public const string DefaultAdminUser = "dbuser_dba";

    /// <summary>Opens an unpooled connection to <paramref name="instance"/>'s <c>postgres</c> database; the caller disposes it.</summary>
    public static async Task<NpgsqlConnection> OpenAsync(Instance instance, string applicationName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = instance.Address,
            Port = instance.PgPort,
            Username = instance.Logins.AdminUser ?? DefaultAdminUser,
            Database = "postgres",
            Pooling = false,
            ApplicationName = applicationName,
            Timeout = 5,
        };
        if (instance.Logins.AdminPassword is { } password)
        {
            builder.Password = password;
        }
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
