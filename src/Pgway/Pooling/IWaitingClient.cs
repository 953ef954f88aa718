namespace Pgway.Pooling;

/// <summary>A client that may wait for a server: the pool hands it its place in the queue, to give up on cancel.</summary>
internal interface IWaitingClient
{
    void Waiting(ServerPool.Waiter waiter);
}
