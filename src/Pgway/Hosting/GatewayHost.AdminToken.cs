using System.Net;
using Microsoft.Extensions.Logging;
using Pgway.Admin;

namespace Pgway.Hosting;

// The admin endpoint's token, written where pgway switchover and unfence find it, for each address whose
// actions have no admin credentials to ask for.
internal sealed partial class GatewayHost
{
    /// <summary>What actions take where the inventory gives no admin credentials; null when the admin endpoint does not run.</summary>
    public AdminToken? AdminToken => admin?.Token;

    /// <summary>The files the admin token was written to (one per address without admin credentials).</summary>
    public IReadOnlyList<string> AdminTokenFiles => adminTokenFiles;

    // Once bound: a second pgway that failed to bind must not replace the running one's token.
    internal static IReadOnlyList<string> WriteAdminTokens(AdminToken token, IReadOnlyList<AdminListen> listens, string? directory, ILogger logger)
    {
        if (directory is null)
        {
            return [];
        }
        var written = new List<string>();
        foreach (var listen in listens.Where(l => l.Credentials is null))
        {
            var path = AdminTokenFile.PathFor(directory, listen.EndPoint);
            if (AdminTokenFile.Write(path, token) is { } error)
            {
                LogAdminTokenNotWritten(logger, listen.EndPoint, path, error);
            }
            else
            {
                written.Add(path);
                LogAdminTokenWritten(logger, listen.EndPoint, path);
            }
        }
        return written;
    }

    private void DeleteAdminTokens()
    {
        if (admin is null)
        {
            return;
        }
        foreach (var path in adminTokenFiles)
        {
            AdminTokenFile.Delete(path, admin.Token);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "admin actions on {EndPoint} (switchover, unfence) take the token in {Path}, readable by this user only")]
    private static partial void LogAdminTokenWritten(ILogger logger, IPEndPoint endPoint, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "admin actions on {EndPoint} are refused: cannot write their token to {Path}: {Error} (choose a runtime directory with --runtime-dir, or set haproxy_admin_username and haproxy_admin_password)")]
    private static partial void LogAdminTokenNotWritten(ILogger logger, IPEndPoint endPoint, string path, string error);
}
