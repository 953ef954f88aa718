namespace Pgway.Admin;

/// <summary>The latest samples of one series, in a fixed array: the oldest is overwritten, so memory never grows.</summary>
internal sealed class SampleRing<T>(int capacity)
{
    private readonly T[] samples = new T[capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "a ring holds at least one sample")];
    private int next;
    private int count;

    public int Count => count;

    public void Add(T sample)
    {
        samples[next] = sample;
        next = (next + 1) % samples.Length;
        count = Math.Min(count + 1, samples.Length);
    }

    /// <summary>The samples, oldest first.</summary>
    public T[] ToArray()
    {
        var copy = new T[count];
        var start = (next - count + samples.Length) % samples.Length;
        for (var i = 0; i < count; i++)
        {
            copy[i] = samples[(start + i) % samples.Length];
        }
        return copy;
    }
}
