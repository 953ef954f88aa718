namespace Pgway.IntegrationTests.Vip;

/// <summary>
/// A fact that makes network namespaces: it needs root (CI runs as root); elsewhere it is skipped with the reason,
/// unless <c>PGWAY_REQUIRE_NETNS=1</c> makes a missing root a failure instead.
/// </summary>
public sealed class NetnsFactAttribute : FactAttribute
{
    public const string RequireVariable = "PGWAY_REQUIRE_NETNS";

    public NetnsFactAttribute()
    {
        if (!IsRoot() && Environment.GetEnvironmentVariable(RequireVariable) != "1")
        {
            Skip = $"network namespaces need root (ip netns); set {RequireVariable}=1 to fail instead of skipping";
        }
    }

    private static bool IsRoot() => OperatingSystem.IsLinux() && Environment.UserName == "root";
}
