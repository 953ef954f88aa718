namespace Pgway.Demo;

/// <summary>
/// The lock a running <c>pgway demo</c> holds on its directory, taken before the demo writes anything there, so a
/// second demo started on the same directory stops at once instead of rewriting the first's inventory. An exclusive
/// lock on an open file (flock on Linux), not the file's existence: a demo that was killed leaves a file that locks nothing.
/// </summary>
internal sealed class DemoLock : IDisposable
{
    /// <summary>The lock file's name in the demo directory.</summary>
    public const string FileName = ".pgway-demo.lock";

    private readonly FileStream stream;
    private bool disposed;

    private DemoLock(FileStream stream, string path)
    {
        this.stream = stream;
        Path = path;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>The lock file of a demo directory.</summary>
    public static string PathIn(string directory) => System.IO.Path.Combine(directory, FileName);

    /// <summary>Takes the directory's lock (the directory must exist); null when another process holds it.</summary>
    public static DemoLock? TryAcquire(string directory)
    {
        var path = PathIn(directory);
        try
        {
            // Opening does not truncate: a lock held elsewhere leaves the file as it was.
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            using (var writer = new StreamWriter(stream, leaveOpen: true))
            {
                writer.WriteLine(Environment.ProcessId);
            }
            stream.Flush();
            return new DemoLock(stream, path);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
    }

    /// <summary>Removes the lock file, then lets go of the lock; once.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        try
        {
            File.Delete(Path);
        }
        catch (DirectoryNotFoundException)
        {
            // The demo removed its directory, the lock file with it.
        }
        stream.Dispose();
    }
}
