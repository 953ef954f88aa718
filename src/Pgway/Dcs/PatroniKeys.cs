namespace Pgway.Dcs;

/// <summary>
/// The etcd keys Patroni keeps for one scope: <c>/&lt;namespace&gt;/&lt;scope&gt;/leader</c> holds the leader's
/// member name, <c>/&lt;namespace&gt;/&lt;scope&gt;/members/&lt;name&gt;</c> each member's JSON.
/// </summary>
/// <param name="Namespace">Patroni's namespace, e.g. <c>/pg</c> (slashes around it are ignored).</param>
/// <param name="Scope">Patroni's scope: the cluster name.</param>
internal sealed record PatroniKeys(string Namespace, string Scope)
{
    private const string MembersFolder = "members/";

    /// <summary>Everything of the scope: <c>/pg/pg-test/</c>.</summary>
    public string Prefix => $"/{Namespace.Trim('/')}/{Scope}/";

    /// <summary>The leader key: <c>/pg/pg-test/leader</c>.</summary>
    public string Leader => Prefix + "leader";

    /// <summary>The members' folder: <c>/pg/pg-test/members/</c>.</summary>
    public string Members => Prefix + MembersFolder;

    /// <summary>What <paramref name="key"/> is to this scope.</summary>
    public PatroniKey Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key == Leader)
        {
            return new PatroniKey(PatroniKeyKind.Leader, null);
        }
        if (key.StartsWith(Members, StringComparison.Ordinal) && key.Length > Members.Length && key.IndexOf('/', Members.Length) < 0)
        {
            return new PatroniKey(PatroniKeyKind.Member, key[Members.Length..]);
        }
        return new PatroniKey(PatroniKeyKind.Other, null);
    }
}
