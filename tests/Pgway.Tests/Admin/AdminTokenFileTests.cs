using System.Net;
using Pgway.Admin;

namespace Pgway.Tests.Admin;

/// <summary>The admin token's file: readable by its owner only, in a directory others cannot write, removed only by the pgway that wrote it.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AdminTokenFileTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"pgway-token-tests-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Write_NewDirectory_OwnerOnlyModesAndReadBack()
    {
        var path = AdminTokenFile.PathFor(directory, new IPEndPoint(IPAddress.Parse("127.0.0.11"), 9101));
        var token = AdminToken.Generate();

        Assert.Null(AdminTokenFile.Write(path, token));

        Assert.Equal(Path.Combine(directory, "admin-127.0.0.11-9101.token"), path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(token.Value, AdminTokenFile.Read(path, out var error)?.Value);
        Assert.Null(error);
        Assert.Single(Directory.GetFiles(directory));
    }

    [Fact]
    public void Write_DirectoryOthersMayWrite_RefusedNothingWritten()
    {
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        var path = AdminTokenFile.PathFor(directory, new IPEndPoint(IPAddress.Loopback, 9101));

        var error = AdminTokenFile.Write(path, AdminToken.Generate());

        Assert.Contains("may be written by other users", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(directory));
    }

    [Fact]
    public void Delete_FileReplacedByAnotherStart_KeptOwnRemoved()
    {
        var path = AdminTokenFile.PathFor(directory, new IPEndPoint(IPAddress.Loopback, 9101));
        var (first, second) = (AdminToken.Generate(), AdminToken.Generate());
        Assert.Null(AdminTokenFile.Write(path, first));
        Assert.Null(AdminTokenFile.Write(path, second));

        AdminTokenFile.Delete(path, first);
        Assert.True(File.Exists(path));
        AdminTokenFile.Delete(path, second);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData("/custom", "/xdg", "/custom")]
    [InlineData(null, "/xdg", "/xdg/pgway")]
    [InlineData("", "/xdg", "/xdg/pgway")]
    public void DefaultDirectory_VariablesInOrder(string? chosen, string? xdg, string expected)
    {
        var environment = new Dictionary<string, string?> { [AdminTokenFile.DirectoryVariable] = chosen, ["XDG_RUNTIME_DIR"] = xdg };

        Assert.Equal(expected, AdminTokenFile.DefaultDirectory(name => environment.GetValueOrDefault(name)));
    }

    [Theory]
    [InlineData("Bearer {0}", true)]
    [InlineData("bearer {0}", true)]
    [InlineData("Bearer {0}x", false)]
    [InlineData("Basic {0}", false)]
    [InlineData("Bearer", false)]
    [InlineData("Bearer{0}", false)]
    public void Token_Accepts_OnlyItsBearerHeader(string header, bool accepted)
    {
        var token = new AdminToken("abc");

        Assert.Equal(accepted, token.Accepts(string.Format(System.Globalization.CultureInfo.InvariantCulture, header, token.Value)));
        Assert.Equal("***", token.ToString());
    }
}
