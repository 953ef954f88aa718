namespace Pgway.Admin;

/// <summary>The stats page: one HTML file with its styles and script inline, embedded in the assembly, so it needs no network.</summary>
internal static class StatsPage
{
    public const string ResourceName = "Pgway.Admin.StatsPage.stats.html";

    public const string ContentType = "text/html; charset=utf-8";

    private static readonly Lazy<byte[]> Content = new(Load);

    /// <summary>The page's bytes, read from the assembly once.</summary>
    public static ReadOnlyMemory<byte> Html => Content.Value;

    private static byte[] Load()
    {
        using var stream = typeof(StatsPage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the stats page ({ResourceName}) is missing from the assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
