using Pgway.Pooling;

namespace Pgway.Admin;

/// <summary>The process's CancelRequests on pooler ports so far, by outcome (<c>pgway_cancel_requests_total</c>).</summary>
internal sealed record CancelCounts(long Local, long Forwarded, long ForwardFailed, long Dropped)
{
    public static CancelCounts Read(CancelKeyRegistry keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return new(keys.Count(CancelOutcome.Local), keys.Count(CancelOutcome.Forwarded), keys.Count(CancelOutcome.ForwardFailed), keys.Count(CancelOutcome.Dropped));
    }
}
