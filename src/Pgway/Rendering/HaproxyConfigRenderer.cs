using System.Text;
using Pgway.Model;

namespace Pgway.Rendering;

/// <summary>
/// Renders an haproxy.cfg equivalent to the one Pigsty deploys, for those who keep HAProxy
/// in front of their clusters (or want to compare it with pgway side by side).
/// </summary>
internal static class HaproxyConfigRenderer
{
    /// <param name="statsPort">Port of the stats page (Pigsty's haproxy_exporter_port).</param>
    /// <param name="nodeLabel">Names the stats URI, as Pigsty does per node.</param>
    /// <param name="statsAuth">
    /// The node's admin credentials (Pigsty's <c>haproxy_admin_username</c> / <c>haproxy_admin_password</c>): the stats
    /// page, bound on every address, asks for them (<c>stats auth</c>). Null: the inventory names none, and the page is open.
    /// </param>
    public static string Render(IEnumerable<Cluster> clusters, string sourceFile, string nodeLabel, int statsPort = 9101, AdminCredentials? statsAuth = null)
    {
        var text = new StringBuilder();
        text.AppendLine("#---------------------------------------------------------------------");
        text.AppendLine($"# haproxy.cfg rendered by pgway from {Path.GetFileName(sourceFile)} for {nodeLabel}");
        text.AppendLine("#---------------------------------------------------------------------");
        text.AppendLine("global");
        text.AppendLine("    daemon");
        text.AppendLine("    maxconn 65535");
        text.AppendLine("    nbthread 2");
        text.AppendLine();
        text.AppendLine("defaults");
        text.AppendLine("    mode tcp");
        text.AppendLine("    log global");
        text.AppendLine("    option dontlognull");
        text.AppendLine("    retries 3");
        text.AppendLine("    timeout queue 3s");
        text.AppendLine("    timeout connect 3s");
        text.AppendLine("    timeout check 3s");
        text.AppendLine("    timeout client 24h");
        text.AppendLine("    timeout server 24h");
        text.AppendLine();
        text.AppendLine("listen stats");
        text.AppendLine($"    bind *:{statsPort}");
        text.AppendLine("    mode http");
        text.AppendLine("    stats enable");
        text.AppendLine($"    stats uri /haproxy/{nodeLabel}/");
        text.AppendLine("    stats refresh 30s");
        if (statsAuth is not null)
        {
            text.AppendLine($"    stats auth {Escape(statsAuth.Username)}:{Escape(statsAuth.Password)}");
        }
        foreach (var service in clusters.SelectMany(c => c.Services))
        {
            text.AppendLine();
            AppendService(text, service);
        }
        return text.ToString();
    }

    // HAProxy splits a line at spaces, starts a comment at '#' and reads quotes and backslashes
    // (configuration.txt, "Quoting and escaping"): each is escaped with a backslash, a control character as \xHH.
    private static string Escape(string word)
    {
        var escaped = new StringBuilder(word.Length);
        foreach (var c in word)
        {
            if (c is ' ' or '#' or '\\' or '\'' or '"')
            {
                escaped.Append('\\').Append(c);
            }
            else if (char.IsControl(c) && c < 0x80)
            {
                escaped.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                escaped.Append(c);
            }
        }
        return escaped.ToString();
    }

    // A selector written as a YAML block keeps its newlines; in a comment they would start config lines.
    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static void AppendService(StringBuilder text, Service service)
    {
        text.AppendLine($"# service {service.FullName}: selector \"{OneLine(service.Selector)}\"" +
            (service.BackupSelector is null ? "" : $", backup \"{OneLine(service.BackupSelector)}\""));
        text.AppendLine($"listen {service.FullName}");
        if (service.Bind != Service.AnyAddress)
        {
            // The VIP lives on one node at a time: binding elsewhere needs net.ipv4.ip_nonlocal_bind = 1.
            text.AppendLine($"    bind {service.Bind}:{service.Port}");
        }
        else
        {
            text.AppendLine($"    bind *:{service.Port}");
        }
        text.AppendLine("    mode tcp");
        text.AppendLine($"    maxconn {service.MaxConn}");
        text.AppendLine($"    balance {service.Balance.Name()}");
        if (service.AllBackups)
        {
            text.AppendLine("    option allbackups");
        }
        var checks = service.Check.Kind != HealthCheckKind.None;
        var bySql = service.Check.Kind == HealthCheckKind.Postgres;
        if (checks)
        {
            if (bySql)
            {
                // HAProxy cannot run pgway's SQL check; the agent on patroni_port makes the same decision.
                text.AppendLine("    # check_method postgres: HAProxy asks the agent on patroni_port instead");
            }
            text.AppendLine("    option httpchk");
            text.AppendLine("    option http-keep-alive");
            text.AppendLine($"    http-check send meth {(bySql ? "OPTIONS" : service.Check.Method)} uri {service.Check.Path}");
            text.AppendLine($"    http-check expect status {service.Check.ExpectedStatus}");
        }
        if (service.Options.Text.Length > 0)
        {
            text.AppendLine($"    default-server {service.Options.Text}");
        }
        foreach (var member in service.Members)
        {
            var line = new StringBuilder($"    server {member.Name} {member.Instance.Address}:{member.Port}");
            if (checks && (bySql ? member.Instance.PatroniPort : member.CheckPort) is { } checkPort)
            {
                // Pigsty's template: TLS for Patroni's REST API on instances with patroni_ssl_enabled.
                if (member.Instance.PatroniCaFile is { } caFile && checkPort == member.Instance.PatroniPort)
                {
                    line.Append($" check-ssl ca-file {Escape(caFile)}");
                }
                line.Append($" check port {checkPort}");
            }
            line.Append($" weight {member.Weight}");
            if (member.IsBackup)
            {
                line.Append(" backup");
            }
            text.AppendLine(line.ToString());
        }
    }
}
