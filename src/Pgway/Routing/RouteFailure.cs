namespace Pgway.Routing;

/// <summary>Why a client got no member.</summary>
internal enum RouteFailure
{
    /// <summary>A member was chosen.</summary>
    None,

    /// <summary>No member of the service is up (nor a backup).</summary>
    NoServer,

    /// <summary>Every usable member is full and the queue is full too (<c>maxqueue</c>).</summary>
    QueueFull,

    /// <summary>Waited in the queue for <c>timeout queue</c> without a slot coming free.</summary>
    QueueTimeout,
}
