using System.Text;
using Pgway.Model;

namespace Pgway.Tests.Admin;

public sealed class AdminCredentialsTests
{
    private static readonly AdminCredentials Credentials = new("admin", "s3cret:x");

    private static string Basic(string userAndPassword) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(userAndPassword));

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("Bearer abc", false)]
    [InlineData("Basic !!!not-base64", false)]
    public void Accepts_MalformedHeader_False(string? header, bool expected) =>
        Assert.Equal(expected, Credentials.Accepts(header));

    [Theory]
    [InlineData("admin:s3cret:x", true)]
    [InlineData("admin:s3cret", false)]
    [InlineData("Admin:s3cret:x", false)]
    [InlineData("admin:s3cret:xx", false)]
    [InlineData(":", false)]
    public void Accepts_BasicHeader_OnlyTheExactPair(string userAndPassword, bool expected) =>
        Assert.Equal(expected, Credentials.Accepts(Basic(userAndPassword)));

    [Fact]
    public void Accepts_SchemeInAnyCase_True() =>
        Assert.True(Credentials.Accepts(Basic("admin:s3cret:x").Replace("Basic", "basic", StringComparison.Ordinal)));

    [Fact]
    public void ToString_LeavesThePasswordOut() =>
        Assert.DoesNotContain("s3cret", Credentials.ToString(), StringComparison.Ordinal);
}
