using System.Globalization;

namespace Pgway.Testing.Network;

/// <summary>
/// Names of the namespaces a <see cref="TestNetwork"/> creates: <c>pgwn&lt;pid&gt;-&lt;role&gt;</c>, the owning test
/// process's PID inside, so <see cref="AbandonedNetworkJanitor"/> can tell a killed run's namespaces from a live one's.
/// </summary>
internal static class NetnsNames
{
    /// <summary>The prefix every namespace of the harness carries, and nothing else on the machine should.</summary>
    public const string Prefix = "pgwn";

    /// <summary>The namespace of <paramref name="role"/> (<c>br</c>, <c>h1</c>…, <c>c</c>) owned by process <paramref name="ownerPid"/>.</summary>
    public static string For(int ownerPid, string role) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{ownerPid}-{role}");

    /// <summary>The owner PID of a harness namespace name; null for any other name.</summary>
    public static int? OwnerOf(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var dash = name.IndexOf('-', StringComparison.Ordinal);
        return dash > Prefix.Length && int.TryParse(name.AsSpan(Prefix.Length, dash - Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? pid
            : null;
    }
}
