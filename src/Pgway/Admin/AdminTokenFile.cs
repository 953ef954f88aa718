using System.Globalization;
using System.Net;

namespace Pgway.Admin;

/// <summary>
/// Where an admin endpoint's <see cref="AdminToken"/> is kept, one file per endpoint
/// (<c>admin-ADDRESS-PORT.token</c>, mode 0600) in pgway's runtime directory, so that <c>pgway serve</c>
/// writes it and <c>pgway switchover</c> / <c>unfence</c>, run as the same user, read it back.
/// </summary>
internal static class AdminTokenFile
{
    /// <summary>Names the runtime directory for <c>serve</c> and the commands that act alike.</summary>
    public const string DirectoryVariable = "PGWAY_RUNTIME_DIR";

    /// <summary>The directory systemd's <c>RuntimeDirectory=pgway</c> makes for the service.</summary>
    public const string SystemDirectory = "/run/pgway";

    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// The runtime directory when none is given: <c>$PGWAY_RUNTIME_DIR</c>; else <c>$XDG_RUNTIME_DIR/pgway</c>;
    /// else <c>/run/pgway</c> when it exists (the systemd unit makes it); else <c>pgway-USER</c> in the temporary directory.
    /// </summary>
    public static string DefaultDirectory(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(DirectoryVariable) is { Length: > 0 } chosen)
        {
            return chosen;
        }
        if (environment("XDG_RUNTIME_DIR") is { Length: > 0 } runtime)
        {
            return Path.Combine(runtime, "pgway");
        }
        return Directory.Exists(SystemDirectory) ? SystemDirectory : Path.Combine(Path.GetTempPath(), $"pgway-{Environment.UserName}");
    }

    /// <summary>The token file of the endpoint on <paramref name="endPoint"/>.</summary>
    public static string PathFor(string directory, IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        return Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"admin-{address}-{endPoint.Port}.token"));
    }

    /// <summary>
    /// Writes the token, readable by this user only; null when written, else why not. The directory is made
    /// (0700) if missing, and refused if others may write into it (they could swap the file).
    /// </summary>
    public static string? Write(string path, AdminToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (OperatingSystem.IsWindows())
        {
            // Without Unix modes the file could not be kept from other users.
            return "a token file needs Unix file modes; set haproxy_admin_username and haproxy_admin_password instead";
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = $"{path}.{Guid.NewGuid():N}";
        try
        {
            if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory, OwnerOnlyDirectory);
            }
            else if ((File.GetUnixFileMode(directory) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                return $"{directory} may be written by other users (make it 0700, or choose another with --runtime-dir)";
            }
            // A new file (O_EXCL: a link planted in its place is not followed), then renamed over the old one.
            using (var file = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnlyFile }))
            using (var writer = new StreamWriter(file))
            {
                writer.Write(token.Value + "\n");
            }
            File.Move(temporary, path, overwrite: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            return e.Message;
        }
    }

    /// <summary>The token in the file, or null with why it could not be read.</summary>
    public static AdminToken? Read(string path, out string? error)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            error = text.Length == 0 ? $"{path} is empty" : null;
            return error is null ? new AdminToken(text) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = e is FileNotFoundException or DirectoryNotFoundException ? $"{path} does not exist" : e.Message;
            return null;
        }
    }

    /// <summary>Removes the file if it still holds this token (a later pgway on the same endpoint may have replaced it).</summary>
    public static void Delete(string path, AdminToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (Read(path, out _) is { } written && written.Value == token.Value)
        {
            // Stale is harmless: the next start writes a new token over it.
            TryDelete(path);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing was written there, or it cannot be removed: either way nothing to undo.
        }
    }
}
