namespace Pgway.Model;

/// <summary>The text names of <see cref="TlsMode"/>: <c>disable</c> … <c>verify-full</c>.</summary>
internal static class TlsModes
{
    /// <summary>Every name, in order of strictness.</summary>
    public static IReadOnlyList<string> Names { get; } = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];

    /// <summary>The mode named <paramref name="name"/>; false for a name that is not one.</summary>
    public static bool TryParse(string? name, out TlsMode mode)
    {
        for (var i = 0; i < Names.Count; i++)
        {
            if (Names[i] == name)
            {
                mode = (TlsMode)i;
                return true;
            }
        }
        mode = TlsMode.Disable;
        return false;
    }

    /// <summary>The name of <paramref name="mode"/>.</summary>
    public static string Name(TlsMode mode) => Names[(int)mode];
}
