using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Newtonsoft.Json.Linq;
using Pgway.Model;

namespace Pgway.Configuration;

/// <summary>
/// A cluster's L2 VIP. v2+: <c>pg_vip_address</c> (CIDR) and <c>pg_vip_interface</c> when <c>pg_vip_enabled</c>;
/// v1: <c>vip_address</c>, <c>vip_cidrmask</c> and <c>vip_interface</c> unless <c>vip_mode</c> is <c>none</c>.
/// <c>pgway_vip_dcs_grace</c> sets how long the VIP outlives a DCS that cannot be reached.
/// </summary>
internal sealed class VipReader(DiagnosticBag diagnostics)
{
    // The DCS watch notices a silent etcd within two keepalives (DcsWatchOptions.Default: 5 s each).
    private static readonly TimeSpan WatchDetection = TimeSpan.FromSeconds(10);

    // Pigsty's pg_rto_plan (v4): ttl and loop_wait of each mode; before v4, pg_rto was the ttl and loop_wait 10 s.
    private static readonly ImmutableDictionary<string, (int Ttl, int Loop)> Plans = new Dictionary<string, (int, int)>
    {
        ["fast"] = (20, 5), ["norm"] = (30, 5), ["safe"] = (60, 10), ["wide"] = (120, 20),
    }.ToImmutableDictionary(StringComparer.Ordinal);

    public ClusterVip? Read(ClusterSource source, ImmutableArray<Instance> instances)
    {
        ArgumentNullException.ThrowIfNull(source);
        var variables = source.Variables;
        var enabled = variables.Value("pg_vip_enabled") is { Type: JTokenType.Boolean } flag ? flag.Value<bool>() : (bool?)null;
        if (enabled == false)
        {
            // Explicitly off: a leftover v1 vip_address must not make pgway hold an address.
            return null;
        }
        ClusterVip? vip;
        if (enabled == true)
        {
            vip = ReadV2(source);
        }
        else if (variables["vip_address"] is { } v1 && variables.Value("vip_address") is not null && V1Enabled(source))
        {
            vip = ReadV1(source, v1);
        }
        else
        {
            return null;
        }
        if (vip is null)
        {
            return null;
        }
        CheckFamily(source, vip, instances);
        return vip with { DcsGrace = ReadGrace(source) };
    }

    private ClusterVip? ReadV2(ClusterSource source)
    {
        var variables = source.Variables;
        if (variables["pg_vip_address"] is not { } variable || variables.Value("pg_vip_address") is null)
        {
            diagnostics.Error(variables["pg_vip_enabled"]!.Location, $"cluster '{source.Name}' enables its VIP but sets no pg_vip_address (e.g. 10.10.10.2/24)");
            return null;
        }
        var text = variable.Value.ToString();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out var address) || address.ToString().Contains('%', StringComparison.Ordinal))
        {
            diagnostics.Error(variable.Location, $"pg_vip_address '{text}' of cluster '{source.Name}' is not an address/prefix (e.g. 10.10.10.2/24)");
            return null;
        }
        if (slash < 0)
        {
            diagnostics.Error(variable.Location, $"pg_vip_address '{text}' of cluster '{source.Name}' has no prefix length: write it in CIDR form, e.g. {text}/{(address.AddressFamily == AddressFamily.InterNetworkV6 ? 64 : 24)}, as Pigsty requires");
            return null;
        }
        var prefixText = text[(slash + 1)..];
        if (!int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || !PrefixFits(address, prefix))
        {
            diagnostics.Error(variable.Location, $"pg_vip_address '{text}' of cluster '{source.Name}': the prefix length '{prefixText}' must be 1 to {MaxPrefix(address)} for an {Family(address)} address");
            return null;
        }
        return new ClusterVip(address, prefix, ReadInterface(source, "pg_vip_interface"), ClusterVip.DefaultDcsGrace, variable.Location)
        {
            HostInterfaces = ReadHostInterfaces(source, "pg_vip_interface"),
        };
    }

    private bool V1Enabled(ClusterSource source)
    {
        if (source.Variables.Value("vip_enabled") is not null || source.Variables.Value("vip_vrid") is not null)
        {
            // v2+'s node VIP (the NODE role's keepalived: vip_enabled, vip_vrid, vip_address): the nodes' own,
            // kept by keepalived, not the cluster's primary VIP.
            return false;
        }
        if (source.Variables["vip_mode"] is not { } mode || source.Variables.Value("vip_mode") is null)
        {
            // v1 inventories that set vip_address without vip_mode have always meant an L2 VIP to pgway.
            return true;
        }
        var text = mode.Value.ToString();
        switch (text)
        {
            case "l2":
                return true;
            case "none":
                return false;
            default:
                diagnostics.Error(mode.Location, $"vip_mode '{text}' of cluster '{source.Name}' is not one pgway holds: 'l2' (an L2 VIP on the leader's node) or 'none'");
                return false;
        }
    }

    private ClusterVip? ReadV1(ClusterSource source, Variable variable)
    {
        var text = variable.Value.ToString();
        if (text.Contains('/', StringComparison.Ordinal) || !IPAddress.TryParse(text, out var address) || text.Contains('%', StringComparison.Ordinal))
        {
            diagnostics.Error(variable.Location, $"vip_address '{text}' of cluster '{source.Name}' is not an IP address (v1 sets the prefix length apart, in vip_cidrmask)");
            return null;
        }
        var prefix = MaxPrefix(address) == 32 ? 24 : 64;
        if (source.Variables["vip_cidrmask"] is { } mask && source.Variables.Value("vip_cidrmask") is { } value)
        {
            if (value.Type != JTokenType.Integer || !PrefixFits(address, value.Value<long>()))
            {
                diagnostics.Error(mask.Location, $"vip_cidrmask '{value}' of cluster '{source.Name}' must be a prefix length of 1 to {MaxPrefix(address)} for the {Family(address)} vip_address {text}");
                return null;
            }
            prefix = value.Value<int>();
        }
        return new ClusterVip(address, prefix, ReadInterface(source, "vip_interface"), ClusterVip.DefaultDcsGrace, variable.Location)
        {
            HostInterfaces = ReadHostInterfaces(source, "vip_interface"),
        };
    }

    private string? ReadInterface(ClusterSource source, string name) =>
        source.Variables[name] is { } variable && source.Variables.Value(name) is not null
            ? ParseInterface(variable, $"{name} '{variable.Value}' of cluster '{source.Name}'")
            : null;

    // Hosts that set the interface themselves (a host variable overrides its group's, as in Ansible).
    private Dictionary<string, string?> ReadHostInterfaces(ClusterSource source, string name)
    {
        var interfaces = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var host in source.Hosts)
        {
            if (host.Own[name] is { } variable && host.Own.Value(name) is not null)
            {
                interfaces[host.Address] = ParseInterface(variable, $"{name} '{variable.Value}' of host '{host.Address}'");
            }
        }
        return interfaces;
    }

    // An interface name, or null for auto (and after an error).
    private string? ParseInterface(Variable variable, string described)
    {
        var text = variable.Value.ToString();
        if (text == "auto")
        {
            return null;
        }
        // Linux's IFNAMSIZ less the terminating NUL; '/' and whitespace are what the kernel refuses.
        if (text.Length is 0 or > 15 || text.Any(c => c == '/' || c == ':' || char.IsWhiteSpace(c)) || text is "." or "..")
        {
            diagnostics.Error(variable.Location, $"{described} is not a network interface name (at most 15 characters, no '/', ':' or spaces), nor 'auto'");
            return null;
        }
        return text;
    }

    private void CheckFamily(ClusterSource source, ClusterVip vip, ImmutableArray<Instance> instances)
    {
        if (instances.FirstOrDefault(i => IPAddress.TryParse(i.Address, out var a) && a.Equals(vip.Address)) is { } owner)
        {
            diagnostics.Error(vip.Location, $"the VIP {vip.Host} of cluster '{source.Name}' is the address of {owner.Name}: a VIP must be an address of its own, which no node holds for itself");
        }
        var addresses = instances.Select(i => IPAddress.TryParse(i.Address, out var a) ? a : null).OfType<IPAddress>().ToList();
        if (addresses.Count > 0 && addresses.All(a => a.AddressFamily != vip.Address.AddressFamily))
        {
            diagnostics.Error(vip.Location, $"the VIP {vip.Host} of cluster '{source.Name}' is an {Family(vip.Address)} address, but its instances' addresses are {Family(addresses[0])}: the VIP must sit on the segment of the node that holds it");
        }
    }

    private TimeSpan ReadGrace(ClusterSource source)
    {
        if (source.Variables["pgway_vip_dcs_grace"] is not { } variable || source.Variables.Value("pgway_vip_dcs_grace") is not { } value)
        {
            return ClusterVip.DefaultDcsGrace;
        }
        // A bare number is seconds, as Pigsty's own timings (pg_rto) are.
        var text = value.Type is JTokenType.Integer ? $"{value}s" : value.ToString();
        if (!ServerOptionsParser.TryParseDuration(text, out var grace) || value.Type is JTokenType.Float)
        {
            diagnostics.Error(variable.Location, $"pgway_vip_dcs_grace '{value}' of cluster '{source.Name}' is not a duration (e.g. 3s, 1500ms, or 0 to release the VIP as soon as the DCS is lost)");
            return ClusterVip.DefaultDcsGrace;
        }
        var (ttl, loop) = Patroni(source.Variables);
        var safeBelow = TimeSpan.FromSeconds(ttl - loop) - WatchDetection;
        if (grace >= safeBelow)
        {
            diagnostics.Error(variable.Location, $"pgway_vip_dcs_grace {text} of cluster '{source.Name}' is too long: with Patroni's ttl {ttl} s and loop_wait {loop} s, another node may take the leader key {ttl - loop} s after our last confirmation, and pgway needs up to {WatchDetection.TotalSeconds:0} s to notice a lost DCS; keep it below {safeBelow.TotalSeconds:0} s (default {ClusterVip.DefaultDcsGrace.TotalSeconds:0} s)");
            return ClusterVip.DefaultDcsGrace;
        }
        return grace;
    }

    // Patroni's ttl and loop_wait as Pigsty renders them for the cluster.
    private static (int Ttl, int Loop) Patroni(VariableSet variables)
    {
        var rto = variables.Value("pg_rto");
        if (rto is { Type: JTokenType.Integer } seconds && seconds.Value<long>() is > 0 and < 100_000)
        {
            return ((int)seconds.Value<long>(), 10);
        }
        return Plans.TryGetValue(rto?.ToString() ?? RtoPlan.DefaultMode, out var plan) ? plan : Plans[RtoPlan.DefaultMode];
    }

    private static bool PrefixFits(IPAddress address, long prefix) => prefix >= 1 && prefix <= MaxPrefix(address);

    private static int MaxPrefix(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;

    private static string Family(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
}
