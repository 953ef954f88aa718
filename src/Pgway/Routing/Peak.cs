namespace Pgway.Routing;

/// <summary>A high-water mark that many threads raise at once without a lock.</summary>
internal static class Peak
{
    public static void Raise(ref int peak, int value)
    {
        var seen = Volatile.Read(ref peak);
        while (value > seen)
        {
            var before = Interlocked.CompareExchange(ref peak, value, seen);
            if (before == seen)
            {
                return;
            }
            seen = before;
        }
    }
}
