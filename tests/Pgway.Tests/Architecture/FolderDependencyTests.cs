using Xunit.Abstractions;

namespace Pgway.Tests.Architecture;

/// <summary>
/// Dependencies between the folders of src/Pgway run one way: what the compiler resolved (read from
/// the built assembly, not from <c>using</c> lines) must be an edge of <see cref="Allowed"/>, so a
/// knot between folders cannot grow back unnoticed.
/// </summary>
public sealed class FolderDependencyTests(ITestOutputHelper output)
{
    // Each folder (namespace under Pgway, '/' for '.') and the folders it may use; null: any. A new
    // folder must be added here, with what it may use.
    private static readonly Dictionary<string, string[]?> Allowed = new(StringComparer.Ordinal)
    {
        // The foundations: sockets and epoll loops, the inventory's records, HTTP limits, local processes.
        ["Transport"] = [],
        ["Model"] = [],
        ["Http"] = [],
        ["LocalPostgres"] = [],
        ["Configuration"] = ["Model"],
        ["Access"] = ["Model"],
        ["Rendering"] = ["Model"],
        ["Switchover"] = ["Model"],
        ["Agent"] = ["Model", "Http", "Transport"],
        ["Dcs"] = ["Model", "Agent"],
        ["Health"] = ["Model", "Agent", "Dcs", "Transport"],
        ["Routing"] = ["Model", "Health", "Transport"],
        // Pooling reads a pooler's settings from the inventory (PoolerSetup). Switchover: the console's
        // SWITCHOVER returns the coordinator's result (to become a control interface the host gives).
        ["Pooling"] = ["Model", "Configuration", "Transport", "Switchover",
            "Pooling/Admin", "Pooling/Authentication", "Pooling/PreparedStatements", "Pooling/Tls"],
        ["Pooling/Authentication"] = ["Model", "Configuration"],
        ["Pooling/PreparedStatements"] = [],
        // Kept cycle: the console runs inside a pooler's client session and reads its pools and
        // clients; it goes when the console becomes a session type of its own.
        ["Pooling/Admin"] = ["Model", "Configuration", "Switchover", "Pooling", "Pooling/PreparedStatements"],
        // Kept cycle: TLS towards servers is part of a server log-in (it reads the pooler's TLS and
        // fails with ServerLoginException); it goes when log-in outcomes become values.
        ["Pooling/Tls"] = ["Model", "Transport", "Pooling"],
        // The admin endpoint reports on every part of the process.
        ["Admin"] = ["Model", "Agent", "Health", "Http", "Pooling", "Routing", "Switchover", "Vip", "Dns"],
        ["Demo"] = ["Model", "LocalPostgres"],
        // The L2 VIP decides from values the host reads for it (IVipLeadership) and acts on the node's network.
        ["Vip"] = ["Model"],
        // DNS answers from views the host makes of the routing (LiveDnsZone): it reads no other folder.
        ["Dns"] = [],
        // The process's wiring: may use every folder, and nothing may use it.
        ["Hosting"] = null,
    };

    [Fact]
    public void PgwayAssembly_EveryFolderToFolderReference_IsAnAllowedEdge()
    {
        var uses = TypeReferenceScanner.Scan(typeof(Pgway.Transport.EpollLoop).Assembly.Location);

        var forbidden = ForbiddenEdges(uses, Allowed);

        foreach (var line in forbidden)
        {
            output.WriteLine(line);
        }
        Assert.True(forbidden.Count == 0, $"folder dependencies that run the wrong way (from → to: an example):\n{string.Join('\n', forbidden)}");
    }

    [Fact]
    public void ForbiddenEdges_WrongWayAndUnknownFolder_EachNamedWithAnExample()
    {
        var uses = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal)
        {
            ["Pgway.Transport.Loop"] = ["Pgway.Routing.Route", "Pgway.Transport.Socket", "System.String"],
            ["Pgway.Routing.Route"] = ["Pgway.Transport.Loop"],
            ["Pgway.Extra.Thing"] = ["Pgway.Transport.Loop"],
            ["Pgway.Hosting.Host"] = ["Pgway.Routing.Route", "Pgway.Extra.Thing"],
            ["<Module>"] = ["Pgway.Routing.Route"],
        };
        var table = new Dictionary<string, string[]?>(StringComparer.Ordinal)
        {
            ["Transport"] = [],
            ["Routing"] = ["Transport"],
            ["Hosting"] = null,
        };

        var forbidden = ForbiddenEdges(uses, table);

        Assert.Equal(
        [
            "Extra is not in the table of allowed edges (Pgway.Extra.Thing): add it with the folders it may use",
            "Transport → Routing: Pgway.Transport.Loop uses Pgway.Routing.Route",
        ], forbidden);
    }

    /// <summary>Each edge the table does not allow, with one example, sorted; and each folder the table lacks.</summary>
    internal static List<string> ForbiddenEdges(Dictionary<string, HashSet<string>> uses, Dictionary<string, string[]?> allowed)
    {
        var edges = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (type, used) in uses)
        {
            if (Folder(type) is not { } from)
            {
                continue;
            }
            if (!allowed.TryGetValue(from, out var may))
            {
                edges.TryAdd($"{from} is not in the table", $"{from} is not in the table of allowed edges ({type}): add it with the folders it may use");
                continue;
            }
            if (may is null)
            {
                continue;
            }
            foreach (var target in used.Order(StringComparer.Ordinal))
            {
                if (Folder(target) is { } to && to != from && !may.Contains(to))
                {
                    edges.TryAdd($"{from} → {to}", $"{from} → {to}: {type} uses {target}");
                }
            }
        }
        return [.. edges.Values];
    }

    // "Pgway.Pooling.Admin.AdminConsole" → "Pooling/Admin"; null for types outside Pgway's folders
    // (the compiler's own, such as <Module> and <PrivateImplementationDetails>).
    private static string? Folder(string type)
    {
        var dot = type.LastIndexOf('.');
        if (!type.StartsWith("Pgway.", StringComparison.Ordinal) || dot <= "Pgway".Length)
        {
            return null;
        }
        return type["Pgway.".Length..dot].Replace('.', '/');
    }
}
