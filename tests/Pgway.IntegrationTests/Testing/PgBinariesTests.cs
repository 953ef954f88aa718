using Pgway.Testing;

namespace Pgway.IntegrationTests.Testing;

public sealed class PgBinariesTests
{
    [Fact]
    public void Locate_OnThisMachine_FindsInitdb()
    {
        var binaries = PgBinaries.Locate();

        Assert.True(File.Exists(binaries.PathOf("initdb")), binaries.Directory);
        Assert.True(File.Exists(binaries.PathOf("pg_basebackup")), binaries.Directory);
    }

    [Fact]
    public void Locate_ExplicitDirectoryWithoutInitdb_ThrowsNamingThePackage()
    {
        var empty = Directory.CreateTempSubdirectory("pgway-no-bin-").FullName;
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => PgBinaries.Locate(empty));

            Assert.Contains(empty, error.Message);
            Assert.Contains("'postgresql' package", error.Message);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }
}
