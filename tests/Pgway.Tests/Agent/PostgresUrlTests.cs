using Npgsql;
using Pgway.Agent;

namespace Pgway.Tests.Agent;

public class PostgresUrlTests
{
    public static TheoryData<string, string?, string?, string, int, string?> Urls => new()
    {
        // url, user, password, host, port, database
        { "postgres://app:secret@db.example:6543/meta", "app", "secret", "db.example", 6543, "meta" },
        { "postgresql://app:secret@db.example:6543/meta", "app", "secret", "db.example", 6543, "meta" },
        { "postgres://app:p%40ss%3Aw%2Fd%25@db.example/meta", "app", "p@ss:w/d%", "db.example", 5432, "meta" },
        { "postgres://us%65r@db.example/meta", "user", null, "db.example", 5432, "meta" },
        { "postgres://app@db.example/meta", "app", null, "db.example", 5432, "meta" },
        { "postgres://db.example", null, null, "db.example", 5432, null },
        { "postgres://db.example:6432/", null, null, "db.example", 6432, null },
        { "postgres://10.10.10.11:5432/postgres", null, null, "10.10.10.11", 5432, "postgres" },
        { "postgres://[::1]:5433/meta", null, null, "::1", 5433, "meta" },
        { "postgres://dbuser_monitor:x@[fe80::1]/meta", "dbuser_monitor", "x", "fe80::1", 5432, "meta" },
        { "postgres://app@db.example/my%20db", "app", null, "db.example", 5432, "my db" },
    };

    [Theory]
    [MemberData(nameof(Urls))]
    public void Parse_Url_ConnectionFields(string url, string? user, string? password, string host, int port, string? database)
    {
        var builder = PostgresUrl.Parse(url);

        Assert.Equal((user, password, host, port, database), (builder.Username, builder.Password, builder.Host, builder.Port, builder.Database));
    }

    [Fact]
    public void Parse_UrlWithParameters_Applied()
    {
        var builder = PostgresUrl.Parse("postgres://app@db.example/meta?sslmode=require&application_name=pgway%20agent&connect_timeout=3");

        Assert.Equal(SslMode.Require, builder.SslMode);
        Assert.Equal("pgway agent", builder.ApplicationName);
        Assert.Equal(3, builder.Timeout);
    }

    [Fact]
    public void Parse_ConnectionParametersInQuery_OverrideTheUrlParts()
    {
        var builder = PostgresUrl.Parse("postgres://db.example/meta?host=other&port=6000&user=u&password=p%26q&dbname=d");

        Assert.Equal(("other", 6000, "u", "p&q", "d"), (builder.Host, builder.Port, builder.Username, builder.Password, builder.Database));
    }

    [Theory]
    [InlineData("disable", SslMode.Disable)]
    [InlineData("allow", SslMode.Allow)]
    [InlineData("prefer", SslMode.Prefer)]
    [InlineData("require", SslMode.Require)]
    [InlineData("verify-ca", SslMode.VerifyCA)]
    [InlineData("verify-full", SslMode.VerifyFull)]
    public void Parse_LibpqSslMode_NpgsqlSslMode(string mode, SslMode expected)
    {
        Assert.Equal(expected, PostgresUrl.Parse($"postgres://db.example/meta?sslmode={mode}").SslMode);
    }

    [Theory]
    [InlineData("postgres://db.example/meta?options=-c%20x%3D1", "parameter 'options'")]
    [InlineData("postgres://db.example/meta?sslmode=require&target_session_attrs=any", "parameter 'target_session_attrs'")]
    [InlineData("postgres://db.example/meta?sslmode=maybe", "sslmode 'maybe'")]
    [InlineData("postgres://db.example/meta?sslmode=Require", "sslmode 'Require'")]
    [InlineData("postgres://db.example:port/meta", "is not a valid postgres:// URL")]
    public void Parse_BadUrl_FormatExceptionNamingTheProblem(string url, string expected)
    {
        var error = Assert.Throws<FormatException>(() => PostgresUrl.Parse(url));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownParameterInUrlWithPassword_MessageHidesPassword()
    {
        var error = Assert.Throws<FormatException>(() => PostgresUrl.Parse("postgres://app:s3cret@db.example/meta?bogus=1"));

        Assert.Contains("'bogus'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_KeyValueString_PassedToNpgsql()
    {
        var builder = PostgresUrl.Parse("Host=db.example;Port=6543;Username=app;Password=secret;Database=meta;SSL Mode=Require");

        Assert.Equal(("app", "secret", "db.example", 6543, "meta", SslMode.Require),
            (builder.Username, builder.Password, builder.Host, builder.Port, builder.Database, builder.SslMode));
    }

    [Fact]
    public void Parse_BadKeyValueString_FormatException()
    {
        var error = Assert.Throws<FormatException>(() => PostgresUrl.Parse("Host=db.example;Password=hunter2;Bogus=1"));

        Assert.Contains("neither a postgres:// URL nor a valid key=value string", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres://app:secret@db.example:5432/meta", "postgres://app:***@db.example:5432/meta")]
    [InlineData("postgresql://app:p%40ss@[::1]:5432/meta", "postgresql://app:***@[::1]:5432/meta")]
    [InlineData("postgres://app:@db.example/meta", "postgres://app:***@db.example/meta")]
    [InlineData("postgres://app@db.example:5432/meta", "postgres://app@db.example:5432/meta")]
    [InlineData("postgres://db.example:5432/meta", "postgres://db.example:5432/meta")]
    [InlineData("postgres://h:5432/db?application_name=a@b", "postgres://h:5432/db?application_name=a@b")]
    [InlineData("postgres://u:p@h/db?application_name=a@b", "postgres://u:***@h/db?application_name=a@b")]
    public void Redact_Url_PasswordHidden(string url, string expected)
    {
        Assert.Equal(expected, PostgresUrl.Redact(url));
    }
}
