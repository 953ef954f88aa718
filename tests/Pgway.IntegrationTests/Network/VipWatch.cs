using System.Net;
using Pgway.Testing.Network;

namespace Pgway.IntegrationTests.Network;

/// <summary>
/// Runs arping from the client namespace against the VIP, round after round, until disposed, and keeps every round
/// in which more than one MAC replied: the VIP on two hosts at once. Bounded: each round is a few seconds and it
/// stops with the test.
/// </summary>
internal sealed class VipWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly List<string> duplicates = [];
    private readonly Task loop;
    private int rounds;

    public VipWatch(MultiHostCluster cluster, IPAddress vip)
    {
        loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var macs = await cluster.ArpingMacsAsync(vip, 2, CancellationToken.None);
                Interlocked.Increment(ref rounds);
                if (macs.Count > 1)
                {
                    lock (duplicates)
                    {
                        duplicates.Add($"{DateTime.UtcNow:HH:mm:ss.fff}: {string.Join(", ", macs)}");
                    }
                }
            }
        });
    }

    /// <summary>Rounds run so far.</summary>
    public int Rounds => Volatile.Read(ref rounds);

    /// <summary>Stops the rounds and returns the ones with two or more MACs.</summary>
    public async Task<IReadOnlyList<string>> StopAsync()
    {
        await stop.CancelAsync();
        await loop;
        lock (duplicates)
        {
            return [.. duplicates];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        stop.Dispose();
    }
}
