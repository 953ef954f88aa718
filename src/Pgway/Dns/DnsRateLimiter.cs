using System.Net;

namespace Pgway.Dns;

/// <summary>
/// A token bucket per source address for UDP queries, so the port cannot be turned on a spoofed victim: each source
/// may send <see cref="DnsOptions.Burst"/> queries at once and <see cref="DnsOptions.RatePerSecond"/> a second after
/// that; the rest are dropped unanswered. At most <see cref="DnsOptions.MaxTrackedSources"/> sources are tracked one by
/// one (full buckets are forgotten first); new sources beyond them share one bucket, so a flood of forged sources
/// cannot grow the table or escape the limit.
/// </summary>
internal sealed class DnsRateLimiter(DnsOptions options, TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly Dictionary<IPAddress, Bucket> buckets = [];
    private readonly Bucket shared = new(options.Burst, time.GetTimestamp());

    /// <summary>Whether <paramref name="source"/> may have one more query answered now (and takes it).</summary>
    public bool TryTake(IPAddress source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (options.RatePerSecond <= 0)
        {
            return true;
        }
        var now = time.GetTimestamp();
        lock (gate)
        {
            if (!buckets.TryGetValue(source, out var bucket))
            {
                if (buckets.Count >= options.MaxTrackedSources)
                {
                    ForgetFull(now);
                }
                if (buckets.Count >= options.MaxTrackedSources)
                {
                    return Take(shared, now);
                }
                bucket = new Bucket(options.Burst, now);
                buckets.Add(source, bucket);
            }
            return Take(bucket, now);
        }
    }

    /// <summary>Sources tracked one by one now.</summary>
    public int TrackedSources
    {
        get
        {
            lock (gate)
            {
                return buckets.Count;
            }
        }
    }

    private bool Take(Bucket bucket, long now)
    {
        Refill(bucket, now);
        if (bucket.Tokens < 1)
        {
            return false;
        }
        bucket.Tokens--;
        return true;
    }

    private void Refill(Bucket bucket, long now)
    {
        var elapsed = time.GetElapsedTime(bucket.Stamp, now).TotalSeconds;
        bucket.Stamp = now;
        bucket.Tokens = Math.Min(options.Burst, bucket.Tokens + (elapsed * options.RatePerSecond));
    }

    // A full bucket holds nothing a new one would not: forgetting it changes no answer.
    private void ForgetFull(long now)
    {
        foreach (var (source, bucket) in buckets)
        {
            Refill(bucket, now);
            if (bucket.Tokens >= options.Burst)
            {
                buckets.Remove(source);
            }
        }
    }

    private sealed class Bucket(double tokens, long stamp)
    {
        public double Tokens { get; set; } = tokens;

        public long Stamp { get; set; } = stamp;
    }
}
