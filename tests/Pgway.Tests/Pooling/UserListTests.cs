using Pgway.Pooling.Authentication;

namespace Pgway.Tests.Pooling;

public class UserListTests
{
    [Fact]
    public void Parse_PgBouncerFormat_UsersAndSecrets()
    {
        var result = UserList.Parse(""""
            ; comment
            # comment too
            "dbuser_meta" "DBUser.Meta"
            "with ""quote""" "md5a3556571e93b0d20722ba62be61e8c2d"	extra ignored

              "scram" "SCRAM-SHA-256$4096:c2FsdA==$AAAA:BBBB"
            """", "userlist.txt");

        Assert.Empty(result.Errors);
        Assert.Equal("DBUser.Meta", result.Users["dbuser_meta"]);
        Assert.Equal("md5a3556571e93b0d20722ba62be61e8c2d", result.Users["with \"quote\""]);
        Assert.StartsWith("SCRAM-SHA-256$", result.Users["scram"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dbuser \"x\"", 1, "double quotes")]
    [InlineData("\"a\"\"x\"", 1, "double quotes")]
    [InlineData("\"a\" \"unterminated", 1, "double quotes")]
    [InlineData("\"\" \"x\"", 1, "empty user name")]
    [InlineData("\"a\" \"x\"\n\"a\" \"y\"", 2, "listed twice")]
    public void Parse_BadLine_ErrorWithFileAndLine(string text, int line, string expected)
    {
        var error = Assert.Single(UserList.Parse(text, "userlist.txt").Errors);

        Assert.Equal(("userlist.txt", line), (error.Location.File, error.Location.Line));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
