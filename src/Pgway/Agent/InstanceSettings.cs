using Npgsql;
using Pgway.Model;

namespace Pgway.Agent;

/// <summary>What the inventory says about checking one instance: how to log in, its tags, whether it leads a standby cluster.</summary>
internal static class InstanceSettings
{
    /// <summary>Pigsty's monitoring user, which has <c>pg_monitor</c> and is allowed in by Pigsty's HBA rules.</summary>
    public const string DefaultMonitorUser = "dbuser_monitor";

    /// <summary>
    /// A connection to the instance as the monitoring user (<c>pg_monitor_username</c>,
    /// <c>pg_monitor_password</c>). Without a password in the inventory, Npgsql falls back to
    /// <c>PGPASSWORD</c> or <c>~/.pgpass</c>, as libpq does.
    /// </summary>
    public static NpgsqlConnectionStringBuilder MonitorConnection(Instance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = instance.Address,
            Port = instance.PgPort,
            Username = instance.Logins.MonitorUser ?? DefaultMonitorUser,
            Database = "postgres",
        };
        if (instance.Logins.MonitorPassword is { } password)
        {
            builder.Password = password;
        }
        return builder;
    }

    /// <summary>The instance's Patroni tags from <c>pg_tags</c>.</summary>
    public static NodeTags Tags(Instance instance) =>
        NodeTags.From(instance?.Tags);

    /// <summary>A primary with an upstream outside its cluster (<c>pg_upstream</c>) leads a standby cluster.</summary>
    public static bool IsStandbyLeader(Instance instance) =>
        instance?.Role == InstanceRole.Primary && instance.Upstream is not null;

    /// <summary>The status reader's settings for the instance.</summary>
    public static InstanceStatusReaderOptions StatusReader(Instance instance, TimeSpan timeout) =>
        new(MonitorConnection(instance).ConnectionString, timeout, IsStandbyLeader(instance));

    /// <summary>The agent for an instance, answering on its address and <c>patroni_port</c>.</summary>
    public static AgentOptions Agent(Instance instance, TimeSpan cacheMaxAge, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (!System.Net.IPAddress.TryParse(instance.Address, out var address))
        {
            throw new FormatException($"the agent of {instance.Name} must listen on an IP address, and '{instance.Address}' is not one");
        }
        return new AgentOptions(new System.Net.IPEndPoint(address, instance.PatroniPort), StatusReader(instance, timeout),
            Tags(instance), instance.Cluster, instance.Name, cacheMaxAge);
    }
}
