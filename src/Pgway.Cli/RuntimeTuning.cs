namespace Pgway.Cli;

/// <summary>
/// Runtime settings that make pgway a lean proxy, applied before the first socket is made. Measured
/// with bench/l4: together they bring pgway's CPU per spliced transaction near HAProxy's.
/// </summary>
internal static class RuntimeTuning
{
    /// <summary>
    /// Runs socket continuations on the socket engine's event threads instead of handing each to the
    /// thread pool. pgway's continuations are short and never block (splice, route, probe), so the
    /// hop to another thread for every read is pure cost. Read once by the runtime, from the
    /// environment only; an explicit setting (e.g. <c>0</c> to turn it off) is left alone.
    /// </summary>
    public const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static void Apply()
    {
        if (Environment.GetEnvironmentVariable(InlineSocketCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineSocketCompletions, "1");
        }
    }
}
