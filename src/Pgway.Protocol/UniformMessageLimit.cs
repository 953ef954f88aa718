namespace Pgway.Protocol;

/// <summary>One bound for every message type (a server's messages, whose sizes pgway does not police).</summary>
public readonly struct UniformMessageLimit(int maxBodyLength) : IMessageLimits
{
    public int MaxBodyLength(byte type) => maxBodyLength;
}
