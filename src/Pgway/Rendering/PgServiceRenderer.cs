using System.Text;
using Pgway.Model;

namespace Pgway.Rendering;

/// <summary>Renders a libpq connection service file (pg_service.conf) with one entry per service.</summary>
internal static class PgServiceRenderer
{
    /// <param name="database">Written as dbname when given; otherwise clients name the database themselves.</param>
    public static string Render(IEnumerable<Cluster> clusters, string sourceFile, string? database = null)
    {
        var text = new StringBuilder();
        text.AppendLine($"# pg_service.conf rendered by pgway from {Path.GetFileName(sourceFile)}");
        text.AppendLine("# use: psql service=<cluster>-<service>   (PGSERVICEFILE=this file, or ~/.pg_service.conf)");
        foreach (var cluster in clusters)
        {
            foreach (var service in cluster.Services)
            {
                text.AppendLine();
                text.AppendLine($"[{service.FullName}]");
                text.AppendLine($"host={string.Join(',', EntryHosts(cluster, service))}");
                text.AppendLine($"port={service.Port}");
                if (database is not null)
                {
                    text.AppendLine($"dbname={database}");
                }
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// Where a client can reach the service: its bind address if it has one, else the VIP, else
    /// every node of the cluster (each runs the same services; libpq tries them in order).
    /// </summary>
    public static IEnumerable<string> EntryHosts(Cluster cluster, Service service) =>
        service.Bind != Service.AnyAddress ? [service.Bind]
        : cluster.Vip is { } vip ? [vip.Host]
        : cluster.Instances.Select(i => i.Address);
}
