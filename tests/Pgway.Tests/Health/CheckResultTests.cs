using Pgway.Health;

namespace Pgway.Tests.Health;

public class CheckResultTests
{
    [Theory]
    [InlineData(nameof(CheckStatus.L7Ok), 200, 200, true)]
    [InlineData(nameof(CheckStatus.L7Status), 503, 200, false)]
    [InlineData(nameof(CheckStatus.L7Ok), 204, 200, false)]
    [InlineData(nameof(CheckStatus.L7Ok), 204, 0, true)]       // no expect: any 2xx passes
    [InlineData(nameof(CheckStatus.L7Ok), 302, 0, true)]       // …and any 3xx
    [InlineData(nameof(CheckStatus.L7Status), 404, 0, false)]
    [InlineData(nameof(CheckStatus.L7Status), 503, 503, true)]
    [InlineData(nameof(CheckStatus.L4Connection), null, 200, false)]
    [InlineData(nameof(CheckStatus.L7Timeout), null, 0, false)]
    [InlineData(nameof(CheckStatus.L4Ok), null, 200, true)]
    public void Passes_ByExpectedStatus_AsHaproxyExpect(string status, int? code, int expected, bool passes)
    {
        var result = new CheckResult(Enum.Parse<CheckStatus>(status), code, TimeSpan.Zero, DateTimeOffset.UnixEpoch, "");

        Assert.Equal(passes, result.Passes(expected));
    }

    [Theory]
    [InlineData(nameof(CheckStatus.L7Status), 503, "L7STS/503")]
    [InlineData(nameof(CheckStatus.L7Ok), 200, "L7OK/200")]
    [InlineData(nameof(CheckStatus.L4Connection), null, "L4CON")]
    [InlineData(nameof(CheckStatus.L4Timeout), null, "L4TOUT")]
    [InlineData(nameof(CheckStatus.L7Timeout), null, "L7TOUT")]
    [InlineData(nameof(CheckStatus.L7Response), null, "L7RSP")]
    public void Reason_Status_IsHaproxyCode(string status, int? code, string expected)
    {
        Assert.Equal(expected, new CheckResult(Enum.Parse<CheckStatus>(status), code, TimeSpan.Zero, DateTimeOffset.UnixEpoch, "").Reason);
    }
}
