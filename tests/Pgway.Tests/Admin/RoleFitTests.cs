using Pgway.Admin;
using Pgway.Health;
using Pgway.Model;

namespace Pgway.Tests.Admin;

public sealed class RoleFitTests
{
    private static readonly DateTimeOffset Now = StatusSamples.Now;

    private static CheckResult Result(CheckStatus status, int? code) => new(status, code, TimeSpan.FromMilliseconds(2), Now, "");

    public static TheoryData<string, string, string, int?, bool, string?> Cases => new()
    {
        // The instance answered, its role does not fit: said so, per question.
        { "postgres", "/primary", nameof(CheckStatus.L7Status), 503, false, "not primary" },
        { "http", "/primary", nameof(CheckStatus.L7Status), 503, true, "not primary" },
        { "http", "/read-write", nameof(CheckStatus.L7Status), 503, true, "not primary" },
        { "http", "/master", nameof(CheckStatus.L7Status), 503, true, "not primary" },
        { "http", "/leader", nameof(CheckStatus.L7Status), 503, true, "not leader" },
        { "http", "/standby-leader", nameof(CheckStatus.L7Status), 503, true, "not standby leader" },
        { "postgres", "/replica", nameof(CheckStatus.L7Status), 503, false, "not replica" },
        { "http", "/replica?lag=1MB", nameof(CheckStatus.L7Status), 503, true, "not replica or lagging" },
        { "http", "/read-only?lag=16kB", nameof(CheckStatus.L7Status), 503, true, "lagging" },
        { "postgres", "/sync", nameof(CheckStatus.L7Status), 503, false, "not sync standby" },
        { "http", "/read-only-sync", nameof(CheckStatus.L7Status), 503, true, "not sync standby" },
        { "http", "/quorum", nameof(CheckStatus.L7Status), 503, true, "not quorum standby" },
        { "http", "/async", nameof(CheckStatus.L7Status), 503, true, "not async standby" },
        // Over HTTP a 503 also comes from a Patroni whose PostgreSQL is stopped: only another passing check proves it runs.
        { "http", "/primary", nameof(CheckStatus.L7Status), 503, false, null },
        // Questions a running instance always passes: failing them is a failure.
        { "postgres", "/read-only", nameof(CheckStatus.L7Status), 503, false, null },
        { "http", "/health", nameof(CheckStatus.L7Status), 503, true, null },
        // Real failures stay failures.
        { "postgres", "/primary", nameof(CheckStatus.L4Connection), null, true, null },
        { "postgres", "/primary", nameof(CheckStatus.L4Timeout), null, true, null },
        { "http", "/primary", nameof(CheckStatus.L7Timeout), null, true, null },
        { "http", "/primary", nameof(CheckStatus.L7Response), null, true, null },
        { "postgres", "/primary", nameof(CheckStatus.Fenced), null, true, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Mismatch_CheckAndResult_WordsOnlyForARoleThatDoesNotFit(string kind, string path, string status, int? code, bool answeredElsewhere, string? expected)
    {
        var check = kind == "postgres" ? HealthCheck.Postgres(path) : HealthCheck.Http(path, PortReference.Named(PortReference.Patroni));

        Assert.Equal(expected, RoleFit.Mismatch(check, Result(Enum.Parse<CheckStatus>(status), code), answeredElsewhere));
    }

    [Fact]
    public void Mismatch_NoCheck_Null() =>
        Assert.Null(RoleFit.Mismatch(HealthCheck.Disabled, Result(CheckStatus.L7Status, 503), answeredElsewhere: true));
}
