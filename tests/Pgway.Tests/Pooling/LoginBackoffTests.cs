using Pgway.Pooling;

namespace Pgway.Tests.Pooling;

/// <summary>server_login_retry: a failed log-in holds new servers back for a while, or until one works.</summary>
public sealed class LoginBackoffTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(15);

    [Fact]
    public void Failure_UntilTheRetryTimeHasPassed()
    {
        var backoff = new LoginBackoff();
        Assert.Null(backoff.Failure(Start, Retry));

        backoff.Failed(Start, "connection refused");

        Assert.Equal("connection refused", backoff.Failure(Start + TimeSpan.FromSeconds(14.9), Retry));
        Assert.Null(backoff.Failure(Start + Retry, Retry));
    }

    [Fact]
    public void Succeeded_EndsItAtOnce()
    {
        var backoff = new LoginBackoff();
        backoff.Failed(Start, "connection refused");

        backoff.Succeeded();

        Assert.Null(backoff.Failure(Start, Retry));
    }
}
