namespace Pgway.Tests;

/// <summary>The repository's own C# sources, for tests that check a rule across the code.</summary>
internal static class SourceFiles
{
    /// <summary>The repository's root: the folder with <c>pgway.slnx</c>, above the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Every <c>.cs</c> file under <paramref name="folder"/> (relative to the root), build output left out; paths relative to the root, with '/'.</summary>
    public static IEnumerable<(string Path, string Text)> Under(string folder)
    {
        var separator = Path.DirectorySeparatorChar;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, folder), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{separator}obj{separator}", StringComparison.Ordinal) || file.Contains($"{separator}bin{separator}", StringComparison.Ordinal))
            {
                continue;
            }
            yield return (Path.GetRelativePath(Root, file).Replace('\\', '/'), File.ReadAllText(file));
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "pgway.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("pgway.slnx not found above the test binaries");
    }
}
