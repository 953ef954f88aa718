namespace Pgway.Testing;

/// <summary>
/// The programs a <see cref="PatroniTestCluster"/> runs besides PostgreSQL's: <c>patroni</c> and <c>patronictl</c>
/// (Debian package <c>patroni</c>) and <c>etcd</c> (<c>etcd-server</c>).
/// </summary>
internal sealed class PatroniBinaries
{
    private static readonly string[] s_wellKnownDirectories = ["/usr/bin", "/usr/local/bin", "/usr/sbin"];

    private PatroniBinaries(string patroni, string patronictl, string etcd)
    {
        Patroni = patroni;
        Patronictl = patronictl;
        Etcd = etcd;
    }

    /// <summary>The full path of <c>patroni</c>.</summary>
    public string Patroni { get; }

    /// <summary>The full path of <c>patronictl</c>.</summary>
    public string Patronictl { get; }

    /// <summary>The full path of <c>etcd</c>.</summary>
    public string Etcd { get; }

    /// <summary>Finds the programs on PATH or in /usr/bin, /usr/local/bin, /usr/sbin.</summary>
    /// <exception cref="InvalidOperationException">One is missing; the message names the package to install.</exception>
    public static PatroniBinaries Locate() =>
        new(Find("patroni", "patroni"), Find("patronictl", "patroni"), Find("etcd", "etcd-server"));

    private static string Find(string program, string package)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(s_wellKnownDirectories)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"'{program}' was not found on PATH nor in {string.Join(", ", s_wellKnownDirectories)}: install it (apt-get install -y {package}; .ci/run does this).");
    }
}
