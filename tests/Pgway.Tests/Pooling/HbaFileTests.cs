using System.Net;
using Pgway.Pooling.Authentication;

namespace Pgway.Tests.Pooling;

public class HbaFileTests
{
    private static readonly HbaFile Pigsty = HbaFile.Parse("""
        # pgway's pooler, Pigsty-style rules
        local   all          all                           peer
        host    all          dbuser_dba   127.0.0.1/32     scram-sha-256
        host    meta,test    dbuser_meta  10.0.0.0/8       md5
        hostssl all          all          10.10.0.0 255.255.0.0  scram-sha-256
        host    sameuser     all          all              password
        host    "all"        all          ::1/128          trust
        host    all          all          0.0.0.0/0        reject
        """, "pgb_hba.conf");

    private static HbaMethod? Method(string address, string database, string user, bool tls = false) =>
        Pigsty.Find(new HbaConnection(address == "socket" ? null : IPAddress.Parse(address), tls, database, user))?.Method;

    [Fact]
    public void Parse_PigstyStyleRules_NoDiagnostics()
    {
        Assert.Empty(Pigsty.Diagnostics);
        Assert.Equal(7, Pigsty.Rules.Length);
        Assert.Equal(("pgb_hba.conf", 3), (Pigsty.Rules[1].Location.File, Pigsty.Rules[1].Location.Line));
    }

    [Theory]
    [InlineData("socket", "meta", "anyone", nameof(HbaMethod.Peer))]
    [InlineData("127.0.0.1", "meta", "dbuser_dba", nameof(HbaMethod.ScramSha256))]
    [InlineData("::ffff:127.0.0.1", "meta", "dbuser_dba", nameof(HbaMethod.ScramSha256))]
    [InlineData("10.1.2.3", "test", "dbuser_meta", nameof(HbaMethod.Md5))]
    [InlineData("10.10.2.3", "other", "dbuser_view", nameof(HbaMethod.Reject))]
    [InlineData("10.10.2.3", "bob", "bob", nameof(HbaMethod.Password))]
    [InlineData("::1", "all", "x", nameof(HbaMethod.Trust))]
    [InlineData("192.168.1.1", "meta", "dbuser_meta", nameof(HbaMethod.Reject))]
    public void Find_FirstMatchingRuleDecides(string address, string database, string user, string expected) =>
        Assert.Equal(Enum.Parse<HbaMethod>(expected), Method(address, database, user));

    [Fact]
    public void Find_HostsslRuleNeedsTls() =>
        Assert.Equal(HbaMethod.ScramSha256, Method("10.10.2.3", "other", "dbuser_view", tls: true));

    [Fact]
    public void Find_QuotedAllIsADatabaseName_NoMatchElsewhere() =>
        Assert.Null(Method("::1", "meta", "x"));

    [Theory]
    [InlineData("hots all all all trust", "connection type 'hots' is not one of local, host, hostssl, hostnossl (did you mean 'host'?)")]
    [InlineData("host all all 10.0.0.0/8 md6", "authentication method 'md6' is not one of")]
    [InlineData("host all +admins all md5", "user '+admins' is not supported")]
    [InlineData("host @dbs all all md5", "database '@dbs' is not supported")]
    [InlineData("host replication all all md5", "database 'replication' is not supported")]
    [InlineData("host all all samenet md5", "address 'samenet' is not supported")]
    [InlineData("host all all 10.0.0.0 255.0.255.0 md5", "not a valid network mask")]
    [InlineData("host all all 10.0.0.0 md5", "needs a mask column")]
    [InlineData("host all all 10.0.0.0/33 md5", "not a valid CIDR network")]
    [InlineData("host all all md5", "expected: type database user address method")]
    [InlineData("host all all all peer", "method 'peer' works only for 'local' connections")]
    [InlineData("include other.conf", "'include' is not supported")]
    [InlineData("hostssl all all all cert", "'cert' (TLS client certificates) is not supported by pgway yet")]
    [InlineData("host \"unterminated all all md5", "unterminated quote")]
    public void Parse_BadLine_ErrorAtItsLineAndLeftOut(string line, string expected)
    {
        var hba = HbaFile.Parse($"# first\n{line}\nhost all all all trust", "hba.conf");

        var error = Assert.Single(hba.Diagnostics);
        Assert.True(error.IsError);
        Assert.Equal(2, error.Location.Line);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Single(hba.Rules);
    }

    [Fact]
    public void Parse_OptionsAfterMethod_WarnedAndIgnored()
    {
        var hba = HbaFile.Parse("hostssl all all all scram-sha-256 clientcert=verify-full", "hba.conf");

        Assert.False(hba.HasErrors);
        Assert.Contains("clientcert=verify-full", Assert.Single(hba.Diagnostics).Message, StringComparison.Ordinal);
        Assert.Equal(HbaMethod.ScramSha256, Assert.Single(hba.Rules).Method);
    }
}
