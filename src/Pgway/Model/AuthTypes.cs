namespace Pgway.Model;

/// <summary>The text names of <see cref="AuthType"/>, as PgBouncer's <c>auth_type</c> spells them.</summary>
internal static class AuthTypes
{
    /// <summary>Every name, in the order of <see cref="AuthType"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["hba", "scram-sha-256", "md5", "plain", "trust", "any", "cert"];

    /// <summary>The type named <paramref name="name"/>; false for a name that is not one.</summary>
    public static bool TryParse(string? name, out AuthType type)
    {
        for (var i = 0; i < Names.Count; i++)
        {
            if (Names[i] == name)
            {
                type = (AuthType)i;
                return true;
            }
        }
        type = AuthType.Hba;
        return false;
    }
}
