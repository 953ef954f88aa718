namespace Pgway.Pooling;

/// <summary>
/// The order PostgreSQL 15 sends the ParameterStatus messages of one ReadyForQuery in: at the end of
/// a request it walks its GUC table, which is kept sorted by name compared byte by byte with only
/// A–Z folded to lower case (guc.c's guc_name_compare), so DateStyle comes before
/// default_transaction_read_only, and in_hot_standby before integer_datetimes ('_' sorts below
/// the lower-case letters, unlike an ordinal case-insensitive comparison, which folds to upper case).
/// </summary>
internal sealed class ReportOrder : IComparer<string>
{
    public static ReportOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }
        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var a = Fold(x[i]);
            var b = Fold(y[i]);
            if (a != b)
            {
                return a - b;
            }
        }
        return x.Length - y.Length;
    }

    private static char Fold(char c) => c is >= 'A' and <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}
