namespace Pgway.Pooling;

/// <summary>What the admin console needs of its client's session: its messages, a way to answer, and whether it is ending.</summary>
internal interface IConsoleClient
{
    /// <summary>The session's number, as in the log.</summary>
    long Id { get; }

    /// <summary>The user it logged in as.</summary>
    string UserName { get; }

    /// <summary>The session is ending (pgway stopping, a kill, an expiry): no further command is read.</summary>
    bool Ending { get; }

    /// <summary>The client's next whole message, bounded as before log-in.</summary>
    Task<(byte Type, ReadOnlyMemory<byte> Body)> ReadMessageAsync();

    /// <summary>Sends to the client.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> data);
}
