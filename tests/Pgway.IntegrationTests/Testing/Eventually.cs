using System.Diagnostics;

namespace Pgway.IntegrationTests.Testing;

/// <summary>Waits for a condition with a deadline instead of sleeping a fixed time; fails the test with context when it never holds.</summary>
internal static class Eventually
{
    public static Task HoldsAsync(Func<bool> condition, TimeSpan timeout, Func<string>? context = null) =>
        HoldsAsync(() => Task.FromResult(condition()), timeout, context);

    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string>? context = null)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < timeout, $"condition not met within {timeout.TotalSeconds:0} s{(context is null ? "" : $":\n{context()}")}");
            await Task.Delay(20);
        }
    }
}
