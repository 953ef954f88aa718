using Pgway.Admin;
using Pgway.Health;
using Pgway.Model;

namespace Pgway.Tests.Admin;

public sealed class RoleFitTests
{
    private static readonly DateTimeOffset Now = StatusSamples.Now;

    private static CheckResult Result(CheckStatus status, int? code) => new(status, code, TimeSpan.FromMilliseconds(2), Now, "");

    public static TheoryData<string, string, CheckStatus, int?, bool, string?> Cases => new()
    {
        // The instance answered, its role does not fit: said so, per question.
        { "postgres", "/primary", CheckStatus.L7Status, 503, false, "not primary" },
        { "http", "/primary", CheckStatus.L7Status, 503, true, "not primary" },
        { "http", "/read-write", CheckStatus.L7Status, 503, true, "not primary" },
        { "http", "/master", CheckStatus.L7Status, 503, true, "not primary" },
        { "http", "/leader", CheckStatus.L7Status, 503, true, "not leader" },
        { "http", "/standby-leader", CheckStatus.L7Status, 503, true, "not standby leader" },
        { "postgres", "/replica", CheckStatus.L7Status, 503, false, "not replica" },
        { "http", "/replica?lag=1MB", CheckStatus.L7Status, 503, true, "not replica or lagging" },
        { "http", "/read-only?lag=16kB", CheckStatus.L7Status, 503, true, "lagging" },
        { "postgres", "/sync", CheckStatus.L7Status, 503, false, "not sync standby" },
        { "http", "/read-only-sync", CheckStatus.L7Status, 503, true, "not sync standby" },
        { "http", "/quorum", CheckStatus.L7Status, 503, true, "not quorum standby" },
        { "http", "/async", CheckStatus.L7Status, 503, true, "not async standby" },
        // Over HTTP a 503 also comes from a Patroni whose PostgreSQL is stopped: only another passing check proves it runs.
        { "http", "/primary", CheckStatus.L7Status, 503, false, null },
        // Questions a running instance always passes: failing them is a failure.
        { "postgres", "/read-only", CheckStatus.L7Status, 503, false, null },
        { "http", "/health", CheckStatus.L7Status, 503, true, null },
        // Real failures stay failures.
        { "postgres", "/primary", CheckStatus.L4Connection, null, true, null },
        { "postgres", "/primary", CheckStatus.L4Timeout, null, true, null },
        { "http", "/primary", CheckStatus.L7Timeout, null, true, null },
        { "http", "/primary", CheckStatus.L7Response, null, true, null },
        { "postgres", "/primary", CheckStatus.Fenced, null, true, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Mismatch_CheckAndResult_WordsOnlyForARoleThatDoesNotFit(string kind, string path, CheckStatus status, int? code, bool answeredElsewhere, string? expected)
    {
        var check = kind == "postgres" ? HealthCheck.Postgres(path) : HealthCheck.Http(path, PortReference.Named(PortReference.Patroni));

        Assert.Equal(expected, RoleFit.Mismatch(check, Result(status, code), answeredElsewhere));
    }

    [Fact]
    public void Mismatch_NoCheck_Null() =>
        Assert.Null(RoleFit.Mismatch(HealthCheck.Disabled, Result(CheckStatus.L7Status, 503), answeredElsewhere: true));
}
