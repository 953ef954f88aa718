namespace Pgway.Pooling;

/// <summary>
/// PostgreSQL's own form of a <c>DateStyle</c> value, as its greeting reports it (<c>German</c> →
/// <c>German, DMY</c>; <c>euro, sql</c> → <c>SQL, DMY</c>): the output style and the field order, each
/// kept from the current value when the client names none, German implying DMY unless an order is
/// named before it. Computed here so a client is greeted in that form without asking a server.
/// </summary>
internal static class DateStyleForm
{
    /// <summary>The form of <paramref name="value"/> set over <paramref name="current"/>; false when PostgreSQL would refuse it.</summary>
    public static bool TryCanonicalize(string value, string current, out string canonical)
    {
        canonical = "";
        if (!TryParse(current, "ISO", "MDY", out var style, out var order))
        {
            return false;
        }
        if (!TryParse(value, style, order, out style, out order))
        {
            return false;
        }
        canonical = $"{style}, {order}";
        return true;
    }

    private static bool TryParse(string value, string style, string order, out string newStyle, out string newOrder)
    {
        (newStyle, newOrder) = (style, order);
        var orders = 0;
        var any = false;
        foreach (var raw in value.Split(','))
        {
            var token = raw.Trim().ToLowerInvariant();
            if (token.Length == 0)
            {
                return false;
            }
            any = true;
            switch (token)
            {
                case "iso":
                    newStyle = "ISO";
                    break;
                case "sql":
                    newStyle = "SQL";
                    break;
                case "german":
                    newStyle = "German";
                    if (orders == 0)
                    {
                        newOrder = "DMY";
                    }
                    break;
                case "ymd":
                    newOrder = "YMD";
                    orders++;
                    break;
                case "dmy":
                    newOrder = "DMY";
                    orders++;
                    break;
                case "mdy" or "us":
                    newOrder = "MDY";
                    orders++;
                    break;
                default:
                    if (token.StartsWith("postgres", StringComparison.Ordinal))
                    {
                        newStyle = "Postgres";
                    }
                    else if (token.StartsWith("noneuro", StringComparison.Ordinal))
                    {
                        newOrder = "MDY";
                        orders++;
                    }
                    else if (token.StartsWith("euro", StringComparison.Ordinal))
                    {
                        newOrder = "DMY";
                        orders++;
                    }
                    else
                    {
                        return false;
                    }
                    break;
            }
        }
        return any;
    }
}
