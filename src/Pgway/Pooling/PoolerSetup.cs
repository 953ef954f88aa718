using System.Collections.Immutable;
using System.Net;
using Pgway.Configuration;
using Pgway.Model;
using Pgway.Pooling.Authentication;

namespace Pgway.Pooling;

/// <summary>What a node's pooler needs from the inventory: its addresses, settings, secrets and hba rules.</summary>
internal static class PoolerSetup
{
    /// <summary>Whether the instance's node runs a pooler (Pigsty's <c>pgbouncer_enabled</c>, default true).</summary>
    public static bool IsEnabled(Instance instance) =>
        instance.PoolerEnabled;

    /// <summary>
    /// The pooler on the instance's address and <c>pgbouncer_port</c>, in front of its <c>pg_port</c>.
    /// Secrets are the inventory's <c>pg_users</c> with <c>pgbouncer: true</c>, then <c>auth_file</c>'s;
    /// <c>auth_file</c>, <c>auth_hba_file</c> and the TLS files are read relative to the inventory's folder.
    /// With <c>auth_type</c> hba and no <c>auth_hba_file</c>, the rules are the instance's pgb_hba.conf as
    /// Pigsty renders it (<see cref="Instance.PoolerHba"/>), as Pigsty's pgbouncer.ini points PgBouncer at it.
    /// </summary>
    /// <exception cref="InvalidOperationException">An auth file or hba file is missing or has errors (each with file and line).</exception>
    public static PoolerOptions For(Cluster cluster, Instance instance, string inventoryFile)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(instance);
        var address = IPAddress.Parse(instance.Address);
        return Build(cluster, instance, new IPEndPoint(address, instance.PgbouncerPort), new IPEndPoint(address, instance.PgPort), inventoryFile);
    }

    /// <summary>
    /// A <c>dest: pool</c> service's pooler: on the service's bind address and port, with the cluster's
    /// pooler settings, users and auth (as its nodes' poolers), its servers on whichever member the
    /// service's route chooses (<paramref name="target"/>). <see cref="PoolerOptions.Backend"/> is the
    /// first member's postgres, shown by the admin console only. Its hba rules are those Pigsty renders
    /// for <paramref name="node"/>, the cluster's instance on the node pgway serves the port on, as that
    /// node's own pooler has them.
    /// </summary>
    /// <exception cref="InvalidOperationException">An auth file or hba file is missing or has errors (each with file and line).</exception>
    public static PoolerOptions ForService(Cluster cluster, Service service, Instance node, IServerTarget target, string inventoryFile)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(node);
        var bind = service.Bind == Service.AnyAddress
            ? (System.Net.Sockets.Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any)
            : IPAddress.Parse(service.Bind);
        var first = service.Members.FirstOrDefault()?.Instance;
        var backend = first is null ? new IPEndPoint(IPAddress.Loopback, 5432) : new IPEndPoint(IPAddress.Parse(first.Address), first.PgPort);
        return Build(cluster, node, new IPEndPoint(bind, service.Port), backend, inventoryFile) with { Target = target };
    }

    /// <summary>
    /// <c>pgway check</c>'s look at the rules the poolers would enforce: each instance's rendered pgb_hba
    /// rules parsed as the pooler parses them (where <c>auth_type</c> is hba and no <c>auth_hba_file</c> is
    /// named), every problem once, at the inventory line it comes from.
    /// </summary>
    public static ImmutableArray<Diagnostic> Check(Topology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var found = new HashSet<Diagnostic>();
        foreach (var cluster in topology.Clusters.Where(UsesRenderedHba))
        {
            foreach (var instance in cluster.Instances)
            {
                found.UnionWith(HbaFile.Parse(instance.PoolerHba).Diagnostics);
            }
        }
        return [.. found.OrderBy(d => d.Location.File, StringComparer.Ordinal).ThenBy(d => d.Location.Line).ThenBy(d => d.Location.Column)];
    }

    // As Pigsty's pgbouncer.ini: auth_type hba with its rendered pgb_hba.conf, unless the inventory names its own file.
    private static bool UsesRenderedHba(Cluster cluster) =>
        cluster.Pooler.AuthType == AuthType.Hba && cluster.Pooler.AuthHbaFile is null;


    private static PoolerOptions Build(Cluster cluster, Instance node, IPEndPoint listen, IPEndPoint backend, string inventoryFile)
    {
        var settings = cluster.Pooler;
        var folder = Path.GetDirectoryName(Path.GetFullPath(inventoryFile)) ?? ".";
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var user in settings.Users.Where(u => u.Password is not null))
        {
            secrets[user.Name] = user.Password!;
        }
        if (settings.AuthFile is { } authFile)
        {
            var path = Path.Combine(folder, authFile);
            var parsed = UserList.Parse(Read(path, "auth_file"), path);
            if (parsed.Errors.Count > 0)
            {
                throw new InvalidOperationException(string.Join('\n', parsed.Errors));
            }
            foreach (var (user, secret) in parsed.Users)
            {
                secrets.TryAdd(user, secret);
            }
        }
        HbaFile? hba = null;
        if (settings.AuthHbaFile is { } hbaFile)
        {
            var path = Path.Combine(folder, hbaFile);
            hba = HbaFile.Parse(Read(path, "auth_hba_file"), path);
            if (hba.HasErrors)
            {
                throw new InvalidOperationException(string.Join('\n', hba.Diagnostics.Where(d => d.IsError)));
            }
        }
        else if (UsesRenderedHba(cluster) && !node.PoolerHba.Lines.IsEmpty)
        {
            // An instance the inventory loader did not make has no rendered file: SCRAM for every client, as before.
            hba = HbaFile.Parse(node.PoolerHba);
            if (hba.HasErrors)
            {
                throw new InvalidOperationException(string.Join('\n', hba.Diagnostics.Where(d => d.IsError)));
            }
        }
        return new PoolerOptions(listen, backend, settings, secrets, hba, FilesDirectory: folder);
    }

    private static string Read(string path, string setting)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"pgbouncer_{setting} '{path}' cannot be read: {e.Message}", e);
        }
    }
}
