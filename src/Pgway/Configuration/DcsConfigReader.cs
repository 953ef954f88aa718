using Newtonsoft.Json.Linq;
using Pgway.Model;

namespace Pgway.Configuration;

/// <summary>
/// Reads <c>pg_dcs</c>: <c>{ type: etcd, endpoints: [ http://10.10.10.10:2379 ], namespace: /pg }</c>.
/// <c>type</c> defaults to etcd (the only one pgway watches); an endpoint without a scheme gets
/// <c>http://</c> and one without a port etcd's 2379; the namespace defaults to Pigsty's
/// <c>pg_namespace</c>, else <c>/pg</c>.
/// </summary>
internal static class DcsConfigReader
{
    private const int EtcdClientPort = 2379;

    public static DcsConfig? Read(ClusterSource source, DiagnosticBag diagnostics)
    {
        var variables = source.Variables;
        if (variables["pg_dcs"] is not { } dcs || dcs.Value.Type == JTokenType.Null)
        {
            return null;
        }
        if (dcs.Value is not JObject settings)
        {
            diagnostics.Error(dcs.Location, $"pg_dcs of cluster '{source.Name}' must be a mapping, e.g. {{ type: etcd, endpoints: [ http://10.10.10.10:2379 ], namespace: /pg }}");
            return null;
        }
        var type = settings["type"]?.ToString() ?? "etcd";
        if (type is not ("etcd" or "etcd3"))
        {
            diagnostics.Error(dcs.Location, $"pg_dcs type '{type}' of cluster '{source.Name}' is not supported; pgway watches etcd only");
            return null;
        }
        var endpoints = settings["endpoints"] switch
        {
            JArray list => list.Select(e => e.ToString()).ToList(),
            JValue { Type: JTokenType.String } one => [.. one.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
            _ => [],
        };
        if (endpoints.Count == 0)
        {
            diagnostics.Error(dcs.Location, $"pg_dcs of cluster '{source.Name}' names no endpoints, e.g. endpoints: [ http://10.10.10.10:2379 ]");
            return null;
        }
        var urls = new List<Uri>();
        foreach (var endpoint in endpoints)
        {
            if (Endpoint(endpoint) is { } url)
            {
                urls.Add(url);
            }
            else
            {
                diagnostics.Error(dcs.Location, $"pg_dcs endpoint '{UrlRedaction.Redact(endpoint)}' of cluster '{source.Name}' is not an http(s) URL or host:port");
            }
        }
        var space = settings["namespace"]?.ToString() ?? variables.Value("pg_namespace")?.ToString() ?? DcsConfig.PigstyNamespace;
        space = "/" + space.Trim('/');
        if (space == "/")
        {
            diagnostics.Error(dcs.Location, $"pg_dcs namespace of cluster '{source.Name}' is empty; Patroni's is e.g. /pg or /service");
            return null;
        }
        return urls.Count == endpoints.Count ? new DcsConfig([.. urls], space) : null;
    }

    private static Uri? Endpoint(string text)
    {
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : $"http://{text}";
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Host.Length == 0)
        {
            return null;
        }
        if (!text.Contains("://", StringComparison.Ordinal) && url.IsDefaultPort)
        {
            url = new UriBuilder(url) { Port = EtcdClientPort }.Uri;
        }
        return new Uri(url.GetLeftPart(UriPartial.Authority));
    }
}
