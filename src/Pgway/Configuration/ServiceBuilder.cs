using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Newtonsoft.Json.Linq;
using Pgway.Model;

namespace Pgway.Configuration;

/// <summary>
/// Resolves a <see cref="ServiceSpec"/> against its cluster: bind address, ports, check,
/// balance, options, and members chosen by the selectors exactly as Pigsty renders them.
/// </summary>
internal sealed class ServiceBuilder(DiagnosticBag diagnostics)
{
    private static readonly string[] DestinationNames = [PortReference.Postgres, PortReference.Pgbouncer, PortReference.Pool];

    /// <summary>Instance roles (with and without offline queries) a selector is tried on before its empty result is called a mistake.</summary>
    private static readonly (string Role, bool OfflineQuery)[] Shapes =
        [("primary", false), ("replica", false), ("replica", true), ("offline", false), ("standby", false), ("delayed", false)];

    public Service? Build(ServiceSpec spec, string cluster, string? vip, ImmutableArray<Instance> instances)
    {
        var ok = true;
        var name = spec.Name.Value;
        if (!ClusterNames.IsValid(name))
        {
            diagnostics.Error(spec.Name.Location, $"service name '{name}' may hold only letters, digits, '-' and '_'");
            ok = false;
        }
        var what = $"service '{cluster}-{name}'";

        var bind = spec.Bind.Value;
        if (bind == "vip")
        {
            if (vip is null)
            {
                diagnostics.Error(spec.Bind.Location, $"{what} binds to the VIP, but cluster '{cluster}' has none: set vip_address (v1) or pg_vip_enabled and pg_vip_address (v2)");
                ok = false;
            }
            bind = vip ?? bind;
        }
        else if (bind != Service.AnyAddress && !IPAddress.TryParse(bind, out _))
        {
            diagnostics.Error(spec.Bind.Location, $"{what} binds to '{bind}', which is not '*', 'vip' or an IP address");
            ok = false;
        }

        // v2's 'default' was resolved through pg_default_service_dest already, but is a valid value to name.
        var destination = ParsePort(spec.Destination, DestinationNames, $"the destination of {what}",
            spec.Schema == ServiceSchema.V2 ? ["default", .. DestinationNames] : DestinationNames);
        var check = BuildCheck(spec, what);
        ok &= destination is not null && check is not null;

        if (!BalanceAlgorithmNames.ByName.TryGetValue(spec.Balance.Value, out var balance))
        {
            diagnostics.Error(spec.Balance.Location, $"balance '{spec.Balance.Value}' of {what} is not one of {string.Join(", ", BalanceAlgorithmNames.ByName.Keys)}{Suggestions.DidYouMean(spec.Balance.Value, BalanceAlgorithmNames.ByName.Keys)}");
            ok = false;
        }

        var options = ServerOptionsParser.Parse(spec.Options.Value, spec.Options.Location, diagnostics);
        var members = SelectMembers(spec, what, instances, destination, check);
        if (!ok || options is null || members is null)
        {
            return null;
        }
        return new Service(cluster, name, bind, spec.Port.Value, destination!, check!, spec.Selector.Value, spec.Backup?.Value,
            spec.MaxConn, balance, options, members.Value, spec.Schema, spec.Location)
        {
            AllBackups = spec.AllBackups,
        };
    }

    private HealthCheck? BuildCheck(ServiceSpec spec, string what)
    {
        if (spec.CheckPort.Value == "none")
        {
            return HealthCheck.Disabled;
        }
        var port = ParsePort(spec.CheckPort, [.. PortReference.KnownNames], $"the check port of {what}");
        var path = spec.CheckPath.Value;
        // HAProxy's config syntax gives quotes, '#' and '\\' meaning; a URL path needs none of them raw.
        if (!path.StartsWith('/') || path.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '\'' or '#' or '\\'))
        {
            diagnostics.Error(spec.CheckPath.Location, $"the check of {what} must be a URL path such as /primary or /read-only?lag=1MB (no spaces, quotes, '#' or '\\'), got '{path}'");
            return null;
        }
        if (spec.CheckMethod.Value == "postgres")
        {
            return HealthCheck.Postgres(path, spec.CheckCode.Value);
        }
        return port is null ? null : HealthCheck.Http(path, port, spec.CheckCode.Value);
    }

    private PortReference? ParsePort(Located<string> text, IReadOnlyCollection<string> names, string what, IReadOnlyCollection<string>? listed = null)
    {
        listed ??= names;
        if (names.Contains(text.Value))
        {
            return PortReference.Named(text.Value);
        }
        if (int.TryParse(text.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is > 0 and <= 65535)
        {
            return PortReference.Fixed(number);
        }
        diagnostics.Error(text.Location, $"{what} is '{text.Value}', which is neither a port number nor one of {string.Join(", ", listed)}{Suggestions.DidYouMean(text.Value, listed)}");
        return null;
    }

    /// <summary>
    /// Pigsty's rendering: selected instances in inventory order, those also matched by the
    /// backup selector marked backup; instances matched only by the backup selector follow as backups.
    /// </summary>
    private ImmutableArray<ServiceMember>? SelectMembers(ServiceSpec spec, string what, ImmutableArray<Instance> instances, PortReference? destination, HealthCheck? check)
    {
        var selector = Compile(spec.Selector, what);
        var backupSelector = spec.Backup is { } backup ? Compile(backup, what) : null;
        if (selector is null || (spec.Backup is not null && backupSelector is null))
        {
            return null;
        }
        var input = new JArray(instances.Select(i => i.Variables));
        var selected = Evaluate(selector, input, spec.Selector.Location, what);
        var backups = backupSelector is null ? new HashSet<string>() : Evaluate(backupSelector, input, spec.Backup!.Value.Location, what);
        if (selected is null || backups is null)
        {
            return null;
        }
        if (destination is null || check is null)
        {
            return [];
        }
        ServiceMember Member(Instance instance, bool isBackup) => new(instance, isBackup, destination.Resolve(instance),
            check.Port?.Resolve(instance), instance.Weight);

        var members = instances.Where(i => selected.Contains(i.Address)).Select(i => Member(i, backups.Contains(i.Address))).ToList();
        members.AddRange(instances.Where(i => backups.Contains(i.Address) && !selected.Contains(i.Address)).Select(i => Member(i, true)));
        if (members.Count == 0 && instances.Length > 0 && !SelectsSomeShape(selector, backupSelector, instances[0]))
        {
            diagnostics.Warning(spec.Selector.Location, $"{what} selects no instance: its selector \"{spec.Selector.Value}\" matches none of {string.Join(", ", instances.Select(i => i.Name))}");
        }
        return [.. members];
    }

    /// <summary>
    /// Whether the selectors would pick an instance of some role in this cluster. Pigsty's offline
    /// service selects offline instances and, as backups, replicas: on a single-node cluster (its default
    /// install) it is empty by design and fills when a replica joins, so only a service that no
    /// instance of any role could join (a misspelt role or variable) is worth a warning.
    /// </summary>
    private static bool SelectsSomeShape(MemberSelector selector, MemberSelector? backup, Instance model)
    {
        var shapes = new JArray();
        foreach (var (role, offlineQuery) in Shapes)
        {
            var shape = (JObject)model.Variables.DeepClone();
            shape["pg_role"] = role;
            shape["pg_offline_query"] = offlineQuery;
            shape["inventory_hostname"] = $"{role}-{offlineQuery}";
            shapes.Add(shape);
        }
        try
        {
            return selector.Select(shapes).Count > 0 || backup?.Select(shapes).Count > 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    private MemberSelector? Compile(Located<string> text, string what)
    {
        var selector = MemberSelector.Compile(text.Value, out var error);
        if (selector is null)
        {
            diagnostics.Error(text.Location, $"selector \"{text.Value}\" of {what} is not valid JMESPath: {error}");
        }
        return selector;
    }

    private HashSet<string>? Evaluate(MemberSelector selector, JArray input, SourceLocation location, string what)
    {
        try
        {
            return [.. selector.Select(input)];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            diagnostics.Error(location, $"selector \"{selector.Text}\" of {what} fails: {e.Message}");
            return null;
        }
    }
}
