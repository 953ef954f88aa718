namespace Pgway.Pooling;

/// <summary>What became of a CancelRequest that arrived on a pooler's port (counted in <c>/metrics</c>).</summary>
internal enum CancelOutcome
{
    /// <summary>The key is a session of this process: its query is cancelled.</summary>
    Local,

    /// <summary>The key names another node: the request went to that node's pgway, which took it.</summary>
    Forwarded,

    /// <summary>The key names another node, whose pgway could not be reached within the forward's timeout.</summary>
    ForwardFailed,

    /// <summary>The key is no session of this process and names no other node (or this one): ignored, as PostgreSQL ignores it.</summary>
    Dropped,
}
