using Pgway.Pooling;

namespace Pgway.Tests.Pooling;

/// <summary>DateStyle values in the form PostgreSQL reports them (its check_datestyle rules).</summary>
public sealed class DateStyleFormTests
{
    [Theory]
    [InlineData("German", "ISO, MDY", "German, DMY")]
    [InlineData("german, mdy", "ISO, MDY", "German, MDY")]
    [InlineData("ymd, German", "ISO, MDY", "German, YMD")]
    [InlineData("euro, sql", "ISO, MDY", "SQL, DMY")]
    [InlineData("Postgres", "ISO, DMY", "Postgres, DMY")]
    [InlineData("postgres, us", "ISO, DMY", "Postgres, MDY")]
    [InlineData("ISO", "SQL, YMD", "ISO, YMD")]
    [InlineData("noneuropean", "ISO, DMY", "ISO, MDY")]
    public void TryCanonicalize_Value_PostgresForm(string value, string current, string expected)
    {
        Assert.True(DateStyleForm.TryCanonicalize(value, current, out var canonical));
        Assert.Equal(expected, canonical);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("ISO,")]
    [InlineData("")]
    public void TryCanonicalize_Refused_False(string value) => Assert.False(DateStyleForm.TryCanonicalize(value, "ISO, MDY", out _));
}
