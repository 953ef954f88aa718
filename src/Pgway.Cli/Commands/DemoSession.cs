using System.Threading.Channels;
using Pgway.Demo;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.LocalPostgres;
using Pgway.Model;

namespace Pgway.Cli.Commands;

/// <summary>
/// The running demo: waits for the health checks to settle, prints the summary, then prints every
/// member that becomes usable or unusable and fails over when asked (<c>--failover</c>, or <c>f</c>
/// typed on the terminal or written as a line to stdin), until cancelled.
/// </summary>
internal static class DemoSession
{
    // Long enough for HAProxy's rise/fall counts at Pigsty's default check timings.
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);

    public static async Task RunAsync(CliContext context, DemoOptions options, GatewayHost host, LocalCluster local, CancellationToken cancellationToken)
    {
        var settled = await SettleAsync(host, _ => true, cancellationToken);
        var interactive = !Console.IsInputRedirected;
        DemoSummary.Write(context.Output, host, local, options, settled, interactive);
        await context.Output.FlushAsync(cancellationToken);

        void Print(HealthEvent change)
        {
            if (change.ChangesUsability)
            {
                context.Output.WriteLine($"{change.Time.ToLocalTime():HH:mm:ss} {change}");
            }
        }
        host.Monitor.StateChanged += Print;
        try
        {
            var requests = Channel.CreateUnbounded<string>();
            ReadKeys(requests.Writer, interactive, cancellationToken);
            if (options.FailoverAfter is { } after)
            {
                _ = RequestAfterAsync(requests.Writer, after, cancellationToken);
            }
            var failedOver = false;
            await foreach (var source in requests.Reader.ReadAllAsync(cancellationToken))
            {
                if (failedOver)
                {
                    context.Output.WriteLine($"failover ({source}): done once already; {local.Primary.Name} is the primary");
                    continue;
                }
                await FailOverAsync(context, host, local, source, cancellationToken);
                failedOver = true;
            }
        }
        finally
        {
            host.Monitor.StateChanged -= Print;
        }
    }

    private static async Task FailOverAsync(CliContext context, GatewayHost host, LocalCluster local, string source, CancellationToken cancellationToken)
    {
        var old = local.Primary;
        if (local.Standbys.FirstOrDefault(s => s.Inventory.Role != InstanceRole.Offline) is not { } target)
        {
            context.Output.WriteLine($"failover ({source}): no replica to promote");
            return;
        }
        context.Output.WriteLine($"failover ({source}): stopping {old.Name} ({old.Address}), promoting {target.Name} ({target.Address})");
        try
        {
            await local.FailoverAsync(target, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or Npgsql.NpgsqlException)
        {
            context.Error.WriteLine($"failover failed: {e.Message}");
            return;
        }
        context.Output.WriteLine($"{target.Name} is the primary now (out of recovery); the other standbys follow it. Waiting for the health checks…");
        // The inventory still calls the old primary so: the services follow the agents' /primary answers.
        var followed = await SettleAsync(host, h => PrimaryIs(h, target.Name), cancellationToken);
        DemoSummary.WriteServices(context.Output, host);
        context.Output.WriteLine(followed
            ? $"the health checks see {target.Name} ({target.Address}) as the primary: writes through the primary service go there"
            : $"the health checks have not settled on {target.Name} within {SettleTimeout.TotalSeconds:0} s; the table above is what they see now");
        await context.Output.FlushAsync(cancellationToken);
    }

    // Every service that checks /primary has exactly this member up.
    private static bool PrimaryIs(GatewayHost host, string member) =>
        host.ServicePorts().Select(p => p.Route)
            .Where(route => route.Service.Check.Path == "/primary")
            .All(route => route.Snapshot().Members.Where(m => m.IsUp).Select(m => m.Name).SequenceEqual([member]));

    // Waits, bounded, until every checked member's state agrees with its last check (no "UP 1/3" or
    // "DOWN 1/2" in between) and the extra condition holds; false when it did not happen in time.
    private static async Task<bool> SettleAsync(GatewayHost host, Func<GatewayHost, bool> condition, CancellationToken cancellationToken)
    {
        static bool Settled(MemberHealth member) =>
            member.Target is null
            || member.Snapshot is { LastResult: { } last, State: MemberHealthState.Up or MemberHealthState.Down } snapshot
                && snapshot.IsUp == last.Passes(member.ExpectedStatus);
        try
        {
            await Wait.UntilAsync(_ => Task.FromResult(host.Monitor.Members.All(Settled) && condition(host)), SettleTimeout, () => "", cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static async Task RequestAfterAsync(ChannelWriter<string> requests, TimeSpan after, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(after, cancellationToken);
            requests.TryWrite("--failover");
        }
        catch (OperationCanceledException)
        {
            // Stopped before the failover was due.
        }
    }

    // A terminal: the key f. Redirected stdin (a script, a test): a line "f". End of input just ends the reading.
    private static void ReadKeys(ChannelWriter<string> requests, bool interactive, CancellationToken cancellationToken) =>
        _ = Task.Run(async () =>
        {
            try
            {
                if (interactive)
                {
                    while (true)
                    {
                        while (Console.KeyAvailable)
                        {
                            if (Console.ReadKey(intercept: true).KeyChar is 'f' or 'F')
                            {
                                requests.TryWrite("key f");
                            }
                        }
                        await Task.Delay(100, cancellationToken);
                    }
                }
                while (await Console.In.ReadLineAsync(cancellationToken) is { } line)
                {
                    if (line.Trim() is "f" or "F")
                    {
                        requests.TryWrite("f on stdin");
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
            {
                // Stopping, or no console to read after all: the other ways to fail over remain.
            }
        }, CancellationToken.None);
}
