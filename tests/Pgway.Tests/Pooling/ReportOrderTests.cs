using Pgway.Pooling;

namespace Pgway.Tests.Pooling;

public sealed class ReportOrderTests
{
    // The order PostgreSQL 15 itself sent these in, after one request that changed them all.
    [Fact]
    public void Sort_ReportedParameters_AsPostgreSql15SendsThem()
    {
        string[] names = ["TimeZone", "IntervalStyle", "default_transaction_read_only", "DateStyle", "application_name", "integer_datetimes", "in_hot_standby", "is_superuser"];

        Array.Sort(names, ReportOrder.Instance);

        Assert.Equal(["application_name", "DateStyle", "default_transaction_read_only", "in_hot_standby", "integer_datetimes", "IntervalStyle", "is_superuser", "TimeZone"], names);
    }

    [Theory]
    [InlineData("DateStyle", "TimeZone", -1)]
    [InlineData("datestyle", "DateStyle", 0)]
    // Only A–Z are folded, to lower case: '_' sorts below the letters ('T' would sort below it).
    [InlineData("in_hot_standby", "integer_datetimes", -1)]
    [InlineData("a_b", "ab", -1)]
    [InlineData("search_path", "search_path_x", -1)]
    public void Compare_Names_FoldsOnlyAsciiUpperCaseToLower(string x, string y, int sign)
    {
        Assert.Equal(sign, Math.Sign(ReportOrder.Instance.Compare(x, y)));
        Assert.Equal(-sign, Math.Sign(ReportOrder.Instance.Compare(y, x)));
    }
}
