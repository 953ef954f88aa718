namespace Pgway.LocalPostgres;

/// <summary>Reads the end of a log file for exception messages, never failing itself.</summary>
internal static class LogTail
{
    public static string Read(string path, int lines)
    {
        try
        {
            if (!File.Exists(path))
            {
                return $"(no log at {path})";
            }

            // FileShare.ReadWrite: the server still has the file open for appending.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException exception)
        {
            return $"(could not read {path}: {exception.Message})";
        }
        catch (UnauthorizedAccessException exception)
        {
            return $"(could not read {path}: {exception.Message})";
        }
    }

    /// <summary>Formats a failure with the log tail appended, so CI output alone explains it.</summary>
    public static string Describe(string what, string path, int lines = 40) => Describe(what, [path], lines);

    /// <summary>Formats a failure with the tail of every one of <paramref name="paths"/> appended, in order.</summary>
    public static string Describe(string what, IEnumerable<string> paths, int lines) =>
        what + string.Concat(paths.Select(path => $"\n--- last lines of {path} ---\n{Read(path, lines)}\n--- end of log ---"));
}
