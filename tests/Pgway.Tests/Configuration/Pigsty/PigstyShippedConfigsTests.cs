using Pgway.Configuration;

namespace Pgway.Tests.Configuration.Pigsty;

/// <summary>
/// Every inventory Pigsty shipped from v1.0 to v4.5 (its <c>pigsty.yml</c> and <c>conf/**</c>) loads with
/// no error and no warning but the true ones listed here.
/// </summary>
public sealed class PigstyShippedConfigsTests
{
    /// <summary>Warnings that are true of the file, with the reason.</summary>
    private static readonly (string File, string Message)[] TrueWarnings =
    [
        // MatrixDB segment nodes run several instances each (pg_instances): pgway serves one per node.
        ("v1.5.1/files/conf/pigsty-mxdb.yml", "cluster 'mx-sdw' puts several PostgreSQL instances on one node"),
        ("v1.5.1/files/conf/example/mxdb.yml", "cluster 'mx-sdw' puts several PostgreSQL instances on one node"),
        // 10.10.10.11 is a pg-meta replica and the pg-test primary: Ansible merges its groups, so it is in one cluster only.
        ("v1.0.0/files/conf/pigsty-dcs3.yml", "host '10.10.10.11' is listed in cluster 'pg-test' and in cluster 'pg-meta'"),
    ];

    [PigstyConfigsFact]
    public void Load_EveryShippedInventory_NoErrorsNoFalseWarnings()
    {
        var folder = PigstyConfigs.Folder!;
        var files = Directory.GetFiles(folder, "*.yml", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);

        var unexpected = new List<string>();
        var seen = new HashSet<(string, string)>();
        foreach (var path in files)
        {
            var relative = Path.GetRelativePath(folder, path).Replace('\\', '/');
            var text = File.ReadAllText(path);
            var result = InventoryLoader.LoadText(PigstyConfigs.IsFragment(relative) ? PigstyConfigs.Wrap(text) : text, relative);
            foreach (var diagnostic in result.Diagnostics)
            {
                var expected = TrueWarnings.FirstOrDefault(w => !diagnostic.IsError && w.File == relative && diagnostic.Message.Contains(w.Message, StringComparison.Ordinal));
                if (expected.File is null)
                {
                    unexpected.Add(diagnostic.ToString());
                }
                else
                {
                    seen.Add(expected);
                }
            }
            if (!result.HasErrors)
            {
                Assert.NotNull(result.Topology);
            }
        }

        Assert.True(unexpected.Count == 0, $"{unexpected.Count} unexpected diagnostics over {files.Count} files:\n{string.Join('\n', unexpected)}");
        Assert.Equal(TrueWarnings.Length, seen.Count);
    }
}
