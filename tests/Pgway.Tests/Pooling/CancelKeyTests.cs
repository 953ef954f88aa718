using Pgway.Pooling;

namespace Pgway.Tests.Pooling;

/// <summary>Cancel keys carry the issuing node in the process id; the secret stays 32 random bits.</summary>
public sealed class CancelKeyTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(CancelKey.MaxNodes - 1)]
    public void New_NamesItsNode_ProcessIdPositive(int node)
    {
        foreach (var draw in (Func<int, int, int>[])[(low, _) => low, (_, high) => high - 1])
        {
            var key = CancelKey.New(node, draw);

            Assert.Equal(node, key.Node);
            Assert.Equal(node, CancelKey.NodeOf(key.ProcessId));
            Assert.True(key.ProcessId > 0, $"process id {key.ProcessId}");
        }
    }

    [Fact]
    public void New_SecretTakesAll32BitsFromTheRandomSource()
    {
        Assert.Equal(-1, CancelKey.New(3, (_, high) => high - 1).Secret);
        Assert.Equal(0, CancelKey.New(3, (low, _) => low).Secret);
        var draws = new Queue<int>([42, 0x1234, 0x5678]);

        var key = CancelKey.New(3, (_, _) => draws.Dequeue());

        Assert.Equal(0x12345678, key.Secret);
        Assert.Equal((3 << 21) | 42, key.ProcessId);
        Assert.False(key.IsForwarded);
    }

    [Fact]
    public void Forwarded_FlagSetOnce_IssuedKeyAndNodeUnchanged()
    {
        var key = CancelKey.New(9, (_, high) => high - 1);

        var forwarded = key.Forwarded;

        Assert.False(key.IsForwarded);
        Assert.True(forwarded.IsForwarded);
        Assert.Equal(9, forwarded.Node);
        Assert.Equal(key.Secret, forwarded.Secret);
        Assert.Equal(key, forwarded.Issued);
        Assert.Equal(key.ProcessId | (1 << 20), forwarded.ProcessId);
        Assert.True(forwarded.ProcessId > 0);
    }

    [Fact]
    public void New_RandomPartNeverZero()
    {
        Assert.Equal(1, CancelKey.New(0, (low, _) => low).ProcessId);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(CancelKey.MaxNodes)]
    public void New_NodeOutOfRange_Throws(int node) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CancelKey.New(node));

    [Fact]
    public void Layout_NodeInBits21To30()
    {
        Assert.Equal(5, CancelKey.NodeOf((5 << 21) | 0x1FFFFF));
        Assert.True(new CancelKey(1 << 20, 0).IsForwarded);
        Assert.False(new CancelKey((1 << 20) - 1, 0).IsForwarded);
        Assert.Equal(CancelKey.MaxNodes - 1, CancelKey.NodeOf(int.MaxValue));
        // A PostgreSQL process id (below 2^21 on most systems) names node 0: never forwarded by node 0 itself.
        Assert.Equal(0, CancelKey.NodeOf(123456));
    }
}
