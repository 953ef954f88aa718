using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Pgway.LocalPostgres;
using Pgway.Testing;
using Pgway.Testing.Network;

namespace Pgway.Bench.Vip;

/// <summary>
/// Starts both stacks on every host of the lab, each process inside its host's namespace (the lab stops them
/// by PID when it is disposed): <c>pgway serve --node</c> keeping VIP .2, and vip-manager keeping VIP .3 in
/// front of HAProxy with the haproxy.cfg <c>pgway render haproxy</c> writes for that node.
/// </summary>
internal static partial class Stacks
{
    public static async Task StartPgwayAsync(MultiHostCluster cluster, BenchSettings settings, string work, CancellationToken cancellationToken)
    {
        var inventory = await WritePrivateAsync(Path.Combine(work, "pgway.yml"), Inventories.Pgway(cluster, settings), cancellationToken);
        foreach (var member in cluster.Members)
        {
            var directory = Path.Combine(work, member.Host.Name, "pgway");
            cluster.Network.Start(
                member.Host,
                "pgway",
                directory,
                settings.PgwayBinary,
                ["serve", "-c", inventory, "--node", member.Host.Address.ToString(), "--runtime-dir", directory],
                directory);
        }
    }

    public static async Task StartVipManagerAndHaproxyAsync(MultiHostCluster cluster, BenchSettings settings, string work, CancellationToken cancellationToken)
    {
        var inventory = await WritePrivateAsync(Path.Combine(work, "haproxy.yml"), Inventories.Haproxy(cluster, settings), cancellationToken);
        foreach (var member in cluster.Members)
        {
            var directory = Path.Combine(work, member.Host.Name, "haproxy");
            Directory.CreateDirectory(directory);
            var render = await PgCommandRunner.RunAsync(settings.PgwayBinary, ["render", "haproxy", "-c", inventory, "--node", member.Host.Address.ToString()], work, null, TimeSpan.FromSeconds(60), cancellationToken);
            if (!render.Succeeded)
            {
                throw new InvalidOperationException($"pgway render haproxy failed: {render.Describe()}");
            }

            var config = Path.Combine(directory, "haproxy.cfg");
            await File.WriteAllTextAsync(config, ForThisMachine(render.StandardOutput), cancellationToken);
            var check = await PgCommandRunner.RunAsync(settings.HaproxyBinary, ["-c", "-q", "-f", config], work, null, TimeSpan.FromSeconds(30), cancellationToken);
            if (!check.Succeeded)
            {
                throw new InvalidOperationException($"haproxy refuses {config}: {check.Describe()}");
            }

            // -db: in the foreground whatever the rendered 'daemon' says, so the PID tracked is HAProxy's own.
            cluster.Network.Start(member.Host, "haproxy", directory, settings.HaproxyBinary, ["-db", "-f", config], config);

            var vipDirectory = Path.Combine(work, member.Host.Name, "vip-manager");
            var vipConfig = await WritePrivateAsync(Path.Combine(vipDirectory, "vip-manager.yml"), VipManagerConfig(cluster, member, settings), cancellationToken);
            cluster.Network.Start(member.Host, "vip-manager", vipDirectory, settings.VipManagerBinary, ["--config", vipConfig], vipConfig);
        }
    }

    /// <summary>
    /// The one change the rendered file needs here: Pigsty's global <c>maxconn 65535</c> makes HAProxy ask for about
    /// 131 000 descriptors, more than a test machine's hard limit allows, and it then refuses to start. 4000 is far
    /// above what the bench opens; nothing else (checks, timeouts, the service) is touched.
    /// </summary>
    private static string ForThisMachine(string rendered) => GlobalMaxconn().Replace(rendered, "$1maxconn 4000");

    [GeneratedRegex(@"^(\s*)maxconn 65535\s*$", RegexOptions.Multiline)]
    private static partial Regex GlobalMaxconn();

    /// <summary>
    /// What Pigsty's vip-manager template sets (interval 1000 ms, trigger key <c>&lt;pg_namespace&gt;/&lt;pg_cluster&gt;/leader</c>,
    /// trigger value <c>&lt;pg_cluster&gt;-&lt;pg_seq&gt;</c>, basic hosting, etcd, retry-num 2 every 250 ms; the template's
    /// <c>hosting-type</c> is 1.0.2's <c>manager-type</c>), over plain
    /// HTTP: the lab's etcd has no TLS and no users.
    /// </summary>
    private static string VipManagerConfig(MultiHostCluster cluster, MultiHostMember member, BenchSettings settings)
    {
        var yaml = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"interval: {settings.VipManagerInterval}")
            .AppendLine(CultureInfo.InvariantCulture, $"trigger-key: \"{LeaderKey.Key}\"")
            .AppendLine(CultureInfo.InvariantCulture, $"trigger-value: \"{member.Name}\"")
            .AppendLine(CultureInfo.InvariantCulture, $"ip: {Inventories.VipManagerVip}")
            .AppendLine(CultureInfo.InvariantCulture, $"netmask: {TestNetwork.PrefixLength}")
            .AppendLine(CultureInfo.InvariantCulture, $"interface: {NetworkHost.Interface}")
            .AppendLine("manager-type: basic")
            .AppendLine("dcs-type: etcd")
            .AppendLine("dcs-endpoints:");
        foreach (var endpoint in cluster.EtcdEndpoints)
        {
            yaml.AppendLine(CultureInfo.InvariantCulture, $"  - http://{endpoint}");
        }

        return yaml
            .AppendLine("retry-num: 2")
            .AppendLine("retry-after: 250")
            .ToString();
    }

    private static async Task<string> WritePrivateAsync(string path, string text, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, text, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);   // it holds this run's passwords
        }
        return path;
    }
}
