using System.Net;
using Pgway.Testing.Network;

namespace Pgway.IntegrationTests.Network;

/// <summary>
/// Sends duplicate address detection's ARP probe (as <c>arping -D</c>) for the VIP from the client namespace, round
/// after round, until disposed, and keeps every round in which more than one MAC replied to the one probe: the VIP on
/// two hosts at once. Bounded: each round is a tenth of a second and it stops with the test.
/// </summary>
internal sealed class VipWatch : IAsyncDisposable
{
    /// <summary>
    /// How long each probe listens: far longer than a kernel takes to answer, and short, so that probes come often
    /// enough to catch a brief overlap (each probe opens its own socket: a reply too late for its window is lost,
    /// never counted with the next probe's).
    /// </summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(100);

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
                var macs = await cluster.DadProbeAsync(vip, Window, CancellationToken.None);
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
