namespace Pgway.Fuzz;

/// <summary>One parser of untrusted bytes and the check that runs it over one input.</summary>
/// <param name="Name">The name on the command line and of its corpus folder (<c>bench/fuzz/corpus/NAME</c>).</param>
/// <param name="Check">
/// Runs the parser over the input; throws <see cref="FuzzInvariantException"/> when the parser breaks
/// an invariant, and lets any exception the parser does not document escape.
/// </param>
/// <param name="AllocationBudget">Bytes one input may allocate, fixed part; the budget grows by <see cref="AllocationPerInputByte"/> per input byte.</param>
internal sealed record FuzzTarget(string Name, Action<byte[]> Check, long AllocationBudget = 4 << 20, long AllocationPerInputByte = 512)
{
    /// <summary>
    /// <see cref="Check"/>, and the memory it took: far more than the input's size means memory that
    /// grows without bound on some input (an exponential expansion, a leak per message).
    /// </summary>
    public void Run(byte[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Check(input);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var budget = AllocationBudget + AllocationPerInputByte * input.Length;
        if (allocated > budget)
        {
            throw new FuzzInvariantException($"{Name}: {allocated} bytes allocated for an input of {input.Length} (budget {budget})");
        }
    }
}
