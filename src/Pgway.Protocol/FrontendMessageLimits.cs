namespace Pgway.Protocol;

/// <summary>
/// PostgreSQL's own bounds on what a client sends once logged in (its backend's SocketBackend):
/// only the messages that carry a query text, parameter values or COPY data may be large (Query,
/// FunctionCall, Parse, Bind, CopyData: up to <see cref="MessageHeader.LargeMessageLimit"/>); every
/// other message, and any type PostgreSQL does not know, at most <see cref="MessageHeader.SmallMessageLimit"/>
/// bytes with its length word. A pooler that waited for a 300 MB Describe would hold it while no
/// server ever accepts it; refusing at the header costs nothing.
/// </summary>
public readonly struct FrontendMessageLimits : IMessageLimits
{
    /// <summary>The longest body PostgreSQL reads for a client message of <paramref name="type"/>.</summary>
    public static int For(byte type) => (FrontendMessageCode)type switch
    {
        FrontendMessageCode.Query or FrontendMessageCode.FunctionCall or FrontendMessageCode.Parse
            or FrontendMessageCode.Bind or FrontendMessageCode.CopyData => MessageHeader.LargeMessageLimit,
        // PostgreSQL's PQ_SMALL_MESSAGE_LIMIT counts the 4 length bytes; a body is 4 fewer.
        _ => MessageHeader.SmallMessageLimit - 4,
    };

    public int MaxBodyLength(byte type) => For(type);
}
