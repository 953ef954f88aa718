namespace Pgway.Protocol;

/// <summary>Told by a <see cref="MessageScanner"/> what passes.</summary>
public interface IMessageObserver
{
    void OnMessage(byte type, int bodyLength);

    /// <summary>The status byte of a ReadyForQuery ('I', 'T' or 'E').</summary>
    void OnReadyForQuery(byte status);
}
