using Pgway.Protocol;

namespace Pgway.Pooling;

/// <summary>What the server has answered: each ReadyForQuery settles one of the client's requests and tells the transaction status.</summary>
internal sealed class ServerTraffic(ClientTraffic client) : IMessageObserver
{
    private MessageScanner scanner;

    /// <summary>The status of the last ReadyForQuery.</summary>
    public TransactionStatus Status { get; private set; } = TransactionStatus.Idle;

    /// <summary>No message from the server is half forwarded.</summary>
    public bool Idle => scanner.AtBoundary;

    public string? Scan(ReadOnlySpan<byte> data) => scanner.Scan(data, MessageHeader.LargeMessageLimit, this);

    /// <summary>A fresh server for the client: nothing half read from it.</summary>
    public void Reset() => scanner = default;

    public void OnMessage(byte type, int bodyLength)
    {
    }

    public void OnReadyForQuery(byte status)
    {
        Status = (TransactionStatus)status;
        client.Outstanding = Math.Max(0, client.Outstanding - 1);
    }
}
