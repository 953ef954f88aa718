using System.Text.RegularExpressions;

namespace Pgway.Tests.Ci;

/// <summary>
/// Every program the tests (and the code they run) start is one that <c>.ci/run</c> installs on a fresh
/// machine: it is listed in <c>.ci/programs</c> with its Debian package. A test that starts a program a
/// developer happened to have installed by hand passes on that machine and fails in CI; this finds it first.
/// </summary>
public sealed partial class CiProgramsTests
{
    // pgway's own commands, run through the CLI in tests, and the shell and SDK every machine has.
    private static readonly HashSet<string> NotInstalled =
    [
        "dotnet", "sh", "agent", "check", "demo", "health", "render", "serve", "services", "status", "switchover", "unfence", "urls",
        // Only a fallback when PostgreSQL's binaries are not found in their Debian place.
        "pg_config",
    ];

    [Fact]
    public void EveryProgramTheTestsStart_IsInstalledByCi()
    {
        var root = RepositoryRoot();
        var listed = File.ReadAllLines(Path.Combine(root, ".ci", "programs"))
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0])
            .ToHashSet(StringComparer.Ordinal);
        var started = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var folder in new[] { "src", "tests", "bench" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                {
                    continue;
                }
                foreach (Match match in ProgramStart().Matches(File.ReadAllText(file)))
                {
                    // A Find(program, package) is a binary lookup only in the *Binaries classes.
                    var found = match.Groups["found"].Success;
                    if (found && !file.EndsWith("Binaries.cs", StringComparison.Ordinal))
                    {
                        continue;
                    }
                    var program = Path.GetFileName(match.Groups[found ? "found" : "program"].Value);
                    if (!NotInstalled.Contains(program))
                    {
                        started.TryAdd(program, Path.GetRelativePath(root, file));
                    }
                }
            }
        }

        Assert.Contains("pgbouncer", started.Keys);
        Assert.Contains("dnsmasq", started.Keys);
        var missing = started.Where(p => !listed.Contains(p.Key)).Select(p => $"{p.Key} (started in {p.Value})").ToList();
        Assert.True(missing.Count == 0, $"programs the tests start that .ci/programs does not list, so .ci/run would not install them: {string.Join(", ", missing)}");
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, ".ci", "programs")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("no .ci/programs above the test's directory: run the tests from the repository");
    }

    // The ways the code names a program it starts: a ProcessStartInfo or Process.Start, a binary
    // looked up (PathOf, or Find with the package that brings it), a client or command run (RunClientAsync, RunAsync, and TestNetwork's RunAsync with the
    // host first, which runs it inside a test network host), a Binary constant, a program given by its path to a
    // test network's Start.
    [GeneratedRegex(""""(?:ProcessStartInfo|Process\.Start|PathOf|RunAsync|DaemonCommand)\(\s*"(?<program>[^"]+)"|TestNetwork\.RunAsync\([\w.]+,\s*"(?<program>[^"]+)"|Find\("(?<found>[^"]+)",\s*"[^"]+"\)|RunClientAsync\((?:\w+,\s*)?"(?<program>[^"]+)"|Binary\s*=\s*"(?<program>[^"]+)"|ChildProcess\.Start\(\w+,\s*"(?<program>[^"]+)"|Network\.Start\([^;]*?"(?<program>/[^"]+)"""")]
    private static partial Regex ProgramStart();
}
