using System.Collections.Frozen;
using Pgway.Model;
using YamlDotNet.RepresentationModel;

namespace Pgway.Configuration;

/// <summary>
/// Reads a cluster's service lists in whichever Pigsty schema they are written:
/// v1 (<c>pg_services</c> + <c>pg_services_extra</c>) or v2+ (<c>pg_default_services</c> + <c>pg_services</c>).
/// </summary>
internal sealed class ServiceReader(DiagnosticBag diagnostics)
{
    private static readonly string[] V1Keys =
        ["name", "src_ip", "src_port", "dst_port", "check_method", "check_port", "check_url", "check_code", "selector", "selector_backup", "haproxy"];

    private static readonly string[] V1HaproxyKeys = ["maxconn", "balance", "default_server_options", "allbackups"];

    private static readonly string[] V2Keys =
        ["name", "port", "ip", "selector", "backup", "dest", "check", "check_method", "maxconn", "balance", "allbackups", "options"];

    /// <summary>Pigsty's <c>http</c>, and pgway's <c>postgres</c> (the same decisions by SQL, no agent needed).</summary>
    private static readonly string[] CheckMethods = ["http", "postgres"];

    // A key of the other schema gets a hint that names the schema mix-up, not just a typo.
    private static readonly FrozenDictionary<string, string> V1ToV2 = new Dictionary<string, string>
    {
        ["src_ip"] = "ip", ["src_port"] = "port", ["dst_port"] = "dest", ["check_url"] = "check",
        ["selector_backup"] = "backup", ["haproxy"] = "maxconn, balance and options",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, string> V2ToV1 =
        V1ToV2.Where(p => p.Key != "haproxy").ToFrozenDictionary(p => p.Value, p => p.Key);

    public List<ServiceSpec> Read(ClusterSource cluster)
    {
        var variables = cluster.Variables;
        var services = variables["pg_services"];
        var extra = variables["pg_services_extra"];
        var defaults = variables["pg_default_services"];

        var v1Hint = extra ?? EntryWithKey(services, "src_port");
        var v2Hint = defaults ?? EntryWithKey(services, "port");
        if (v1Hint is not null && v2Hint is not null)
        {
            diagnostics.Error(v1Hint.Location,
                $"cluster '{cluster.Name}' mixes Pigsty's v1 service schema ('{v1Hint.Name}', src_port) with v2 ('{v2Hint.Name}' at line {v2Hint.Location.Line}, port): use one");
        }

        var result = new List<ServiceSpec>();
        if (v1Hint is not null && v2Hint is null)
        {
            ReadList(services, DefaultServices.V1, ServiceSchema.V1, cluster, result);
            ReadList(extra, null, ServiceSchema.V1, cluster, result);
        }
        else
        {
            // Read once per cluster: a problem with pg_rto is reported once, not once per service.
            var options = RtoPlan.DefaultOptions(variables, diagnostics);
            ReadList(defaults, DefaultServices.V2, ServiceSchema.V2, cluster, result, options);
            ReadList(services, null, ServiceSchema.V2, cluster, result, options);
        }
        return result;
    }

    private static Variable? EntryWithKey(Variable? list, string key) =>
        list?.Node is YamlSequenceNode sequence &&
        sequence.Children.OfType<YamlMappingNode>().Any(m => YamlValues.Entries(m).Any(e => e.Key.Value == key))
            ? list
            : null;

    private void ReadList(Variable? variable, string? builtIn, ServiceSchema schema, ClusterSource cluster, List<ServiceSpec> into,
        (string Text, SourceLocation? Location) defaultOptions = default)
    {
        YamlNode? node;
        string file;
        if (variable is not null && !YamlValues.IsNull(variable.Node))
        {
            (node, file) = (variable.Node, variable.File);
        }
        else if (builtIn is not null)
        {
            (node, file) = (YamlSource.Parse(builtIn, DefaultServices.File, diagnostics), DefaultServices.File);
        }
        else
        {
            return;
        }
        if (node is not YamlSequenceNode sequence)
        {
            if (node is not null)
            {
                diagnostics.Error(YamlSource.Locate(file, node), $"'{variable?.Name}' must be a list of services");
            }
            return;
        }
        foreach (var entry in sequence.Children)
        {
            if (entry is not YamlMappingNode mapping)
            {
                diagnostics.Error(YamlSource.Locate(file, entry), $"a service in '{variable?.Name}' must be a mapping with name, port, selector, …");
                continue;
            }
            var spec = schema == ServiceSchema.V1
                ? ReadV1(mapping, file, cluster)
                : ReadV2(mapping, file, cluster, defaultOptions);
            if (spec is not null)
            {
                into.Add(file == DefaultServices.File ? spec.AsBuiltInOf(cluster.Variables["pg_cluster"]?.Location ?? cluster.Location) : spec);
            }
        }
    }

    private ServiceSpec? ReadV1(YamlMappingNode node, string file, ClusterSource cluster)
    {
        var reader = new MappingReader(node, file, diagnostics, $"a v1 service of cluster '{cluster.Name}'", V1Keys,
            key => V2ToV1.TryGetValue(key, out var v1) ? $": this list uses Pigsty's v1 schema, where it is '{v1}'" : null);
        reader.RequireAll("name", "src_port", "selector");
        var name = reader.String("name");
        var port = reader.Int("src_port", 1, 65535);
        var selector = reader.String("selector");
        var method = ReadCheckMethod(reader);
        if (method.Value == "postgres" && reader.String("check_port") is { } checkPort && checkPort != "none")
        {
            diagnostics.Warning(reader.LocationOf("check_port"), $"check_port '{checkPort}' of service '{name}' is not used: check_method postgres connects to each member's pg_port (a rendered haproxy.cfg checks patroni_port)");
        }
        var haproxy = reader.Mapping("haproxy") is { } h
            ? new MappingReader(h, file, diagnostics, $"the haproxy options of service '{name}'", V1HaproxyKeys)
            : null;
        if (name is null || port is null || selector is null)
        {
            return null;
        }
        return new ServiceSpec(
            ServiceSchema.V1,
            reader.Location,
            new(name, reader.LocationOf("name")),
            new(reader.String("src_ip") ?? Service.AnyAddress, reader.LocationOf("src_ip")),
            new(port.Value, reader.LocationOf("src_port")),
            new(reader.String("dst_port") ?? PortReference.Postgres, reader.LocationOf("dst_port")),
            method,
            new(reader.String("check_port") ?? PortReference.Patroni, reader.LocationOf("check_port")),
            new(reader.String("check_url") ?? "/", reader.LocationOf("check_url")),
            new(reader.Int("check_code", 100, 599) ?? 200, reader.LocationOf("check_code")),
            new(selector, reader.LocationOf("selector")),
            reader.String("selector_backup") is { } backup ? new(backup, reader.LocationOf("selector_backup")) : null,
            haproxy?.Int("maxconn", 1, 10_000_000) ?? DefaultServices.V1MaxConn,
            new(haproxy?.String("balance") ?? "roundrobin", haproxy?.LocationOf("balance") ?? reader.Location),
            new(haproxy?.String("default_server_options") ?? DefaultServices.V1ServerOptions,
                haproxy?.LocationOf("default_server_options") ?? reader.Location))
        {
            AllBackups = haproxy?.Bool("allbackups") ?? false,
        };
    }

    /// <param name="defaultOptions">The cluster's options for a service that gives none: Pigsty's RTO plan (see <see cref="RtoPlan"/>).</param>
    private ServiceSpec? ReadV2(YamlMappingNode node, string file, ClusterSource cluster, (string Text, SourceLocation? Location) defaultOptions)
    {
        var reader = new MappingReader(node, file, diagnostics, $"a service of cluster '{cluster.Name}'", V2Keys,
            key => V1ToV2.TryGetValue(key, out var v2) ? $": this list uses Pigsty's v2 schema, where it is '{v2}'" : null);
        reader.RequireAll("name", "port", "selector");
        var name = reader.String("name");
        var port = reader.Int("port", 1, 65535);
        var selector = reader.String("selector");
        if (name is null || port is null || selector is null)
        {
            return null;
        }
        var dest = reader.String("dest") ?? "default";
        var destLocation = reader.LocationOf("dest");
        if (dest == "default")
        {
            // Pigsty resolves 'default' through a cluster variable, so errors point there.
            var configured = cluster.Variables["pg_default_service_dest"];
            dest = configured?.Value.ToString() ?? DefaultServices.Destination;
            destLocation = configured?.Location ?? destLocation;
        }
        var options = reader.String("options");
        var method = ReadCheckMethod(reader);
        return new ServiceSpec(
            ServiceSchema.V2,
            reader.Location,
            new(name, reader.LocationOf("name")),
            new(reader.String("ip") ?? Service.AnyAddress, reader.LocationOf("ip")),
            new(port.Value, reader.LocationOf("port")),
            new(dest, destLocation),
            method,
            new(PortReference.Patroni, reader.Location),
            new(reader.String("check") ?? "/", reader.LocationOf("check")),
            new(200, reader.Location),
            new(selector, reader.LocationOf("selector")),
            reader.String("backup") is { } backup ? new(backup, reader.LocationOf("backup")) : null,
            reader.Int("maxconn", 1, 10_000_000) ?? DefaultServices.V2MaxConn,
            new(reader.String("balance") ?? "roundrobin", reader.LocationOf("balance")),
            options is null
                ? new(defaultOptions.Text ?? RtoPlan.BeforeV4, defaultOptions.Location ?? reader.Location)
                : new(options, reader.LocationOf("options")))
        {
            AllBackups = reader.Bool("allbackups") ?? false,
        };
    }

    private Located<string> ReadCheckMethod(MappingReader reader)
    {
        var method = reader.String("check_method") ?? "http";
        var location = reader.LocationOf("check_method");
        if (!CheckMethods.Contains(method))
        {
            diagnostics.Error(location, $"check_method '{method}' is not supported; use 'http' (Patroni or pgway's agent) or 'postgres' (pgway checks by SQL){Suggestions.DidYouMean(method, CheckMethods)}");
            method = "http";
        }
        return new(method, location);
    }
}
