namespace Pgway.Testing;

/// <summary>
/// The temp directory holding everything of one test cluster. It carries the janitor's name prefix and an
/// exclusively locked <c>owner.lock</c> for its lifetime (see <see cref="AbandonedClusterJanitor"/>), the exit
/// reaper knows it, and disposing deletes it.
/// </summary>
internal sealed class ClusterDirectory : IAsyncDisposable
{
    private readonly FileStream _ownerLock;

    private ClusterDirectory(string fullPath, FileStream ownerLock)
    {
        FullPath = fullPath;
        _ownerLock = ownerLock;
    }

    public string FullPath { get; }

    /// <summary>Creates <c>$TMPDIR/pgway-&lt;name&gt;-&lt;random&gt;</c> and takes its owner lock.</summary>
    public static ClusterDirectory Create(string name)
    {
        var fullPath = Directory.CreateTempSubdirectory($"{AbandonedClusterJanitor.DirectoryPrefix}{name}-").FullName;
        ExitReaper.TrackDirectory(fullPath);
        return new ClusterDirectory(fullPath, AbandonedClusterJanitor.ClaimOwnership(fullPath));
    }

    /// <summary>Deletes the directory (leaving it to the exit reaper if that fails), then releases the owner lock.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(FullPath, recursive: true);
            ExitReaper.ForgetDirectory(FullPath);
        }
        catch (DirectoryNotFoundException)
        {
            ExitReaper.ForgetDirectory(FullPath);
        }
        catch (IOException)
        {
            // Left to the process-exit reaper: a stray temp directory must not fail the test that disposed it.
        }
        catch (UnauthorizedAccessException)
        {
        }

        await _ownerLock.DisposeAsync();
    }
}
