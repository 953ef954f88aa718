using Microsoft.AspNetCore.Http;

namespace Pgway.Fuzz;

/// <summary>A request target's path as Kestrel hands it to an application: absolute and percent-decoded.</summary>
internal static class KestrelPath
{
    /// <summary>False for a path Kestrel answers 400 itself (a decoded zero byte), which never reaches pgway.</summary>
    public static bool TryDecode(string rawPath, out PathString path)
    {
        try
        {
            path = PathString.FromUriComponent(rawPath.StartsWith('/') ? rawPath : "/" + rawPath);
            return !path.Value!.Contains('\0', StringComparison.Ordinal);
        }
        catch (InvalidOperationException)
        {
            // PathString refuses a decoded zero byte.
            path = default;
            return false;
        }
    }
}
