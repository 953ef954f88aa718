namespace Pgway.Demo;

/// <summary>The inventory of <c>pgway demo</c>: an embedded Pigsty-style YAML that the demo writes into its directory and runs.</summary>
internal static class DemoInventory
{
    /// <summary>The file name in the demo directory.</summary>
    public const string FileName = "pg-test.yml";

    /// <summary>The cluster the inventory declares.</summary>
    public const string ClusterName = "pg-test";

    /// <summary>The YAML text.</summary>
    public static string Text
    {
        get
        {
            using var stream = typeof(DemoInventory).Assembly.GetManifestResourceStream("Pgway.Demo.DemoInventory.yml")
                ?? throw new InvalidOperationException("the demo inventory is missing from the assembly");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }

    /// <summary>Writes the inventory into <paramref name="directory"/> (replacing an older copy) and returns its path.</summary>
    public static string Write(string directory)
    {
        var path = Path.Combine(directory, FileName);
        File.WriteAllText(path, Text);
        return path;
    }
}
