using Pgway.Pooling.Authentication;

namespace Pgway.Tests.Pooling;

public class Md5PasswordTests
{
    private static readonly byte[] Salt = [0x01, 0x02, 0x03, 0x04];

    [Fact]
    public void Hash_AsPostgresStoresIt()
    {
        // SELECT 'md5' || md5('secret' || 'alice') in PostgreSQL.
        Assert.Equal("md54a0a68b43b6cd5cf266fa02f196e2371", Md5Password.Hash("secret", "alice"));
        Assert.True(Md5Password.IsHash(Md5Password.Hash("secret", "alice")));
        Assert.False(Md5Password.IsHash("secret"));
    }

    [Fact]
    public void Answer_FromPasswordOrFromHash_Same()
    {
        var fromPassword = Md5Password.Answer("secret", "alice", Salt);

        Assert.Equal(fromPassword, Md5Password.Answer(Md5Password.Hash("secret", "alice"), "alice", Salt));
        Assert.Equal(35, fromPassword.Length);
        Assert.True(Md5Password.Verify(fromPassword, "secret", "alice", Salt));
        Assert.False(Md5Password.Verify(fromPassword, "secret", "bob", Salt));
        Assert.False(Md5Password.Verify(Md5Password.Answer("wrong", "alice", Salt), "secret", "alice", Salt));
    }
}
