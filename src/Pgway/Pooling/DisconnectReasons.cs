namespace Pgway.Pooling;

/// <summary>The names disconnect reasons have in logs and metrics: <c>client_close</c>, <c>query_wait_timeout</c>…</summary>
internal static class DisconnectReasons
{
    private static readonly string[] Labels = [.. Enum.GetValues<DisconnectReason>().Select(ToSnakeCase)];

    public static string Label(DisconnectReason reason) => Labels[(int)reason];

    private static string ToSnakeCase(DisconnectReason reason)
    {
        var name = reason.ToString();
        var text = new System.Text.StringBuilder(name.Length + 8);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append('_');
            }
            text.Append(char.ToLowerInvariant(c));
        }
        return text.ToString();
    }
}
