using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pgway.Transport;

namespace Pgway.Routing;

// A service removed by a reload, or pgway stopping on SIGTERM: the port closes at once, and the
// sessions under way run on until they end or the drain timeout, whichever comes first.
internal sealed partial class ServiceListener
{
    /// <summary>Sessions running now (queued for a member, connecting or spliced).</summary>
    public int SessionCount
    {
        get
        {
            lock (sessionsGate)
            {
                return sessions.Count;
            }
        }
    }

    /// <summary>Closes the port: no new client is accepted; the sessions under way are left alone.</summary>
    public async Task StopAcceptingAsync()
    {
        await acceptStopping.CancelAsync();
        socket.Dispose();
        await accepting;
    }

    /// <summary>
    /// Closes the port and waits until every session has ended, for at most <paramref name="timeout"/>.
    /// True when none is left; the rest end when the listener is disposed.
    /// </summary>
    public async Task<bool> DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await StopAcceptingAsync();
        Task[] running;
        lock (sessionsGate)
        {
            running = [.. sessions];
        }
        try
        {
            await Task.WhenAll(running).WaitAsync(timeout, time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    // Information: one line when a session starts and one when it ends, with what it moved; the
    // per-session counters exist only when the lines are written.
    private async Task SpliceAsync(Socket client, Socket server, IPEndPoint remote, MemberRoute member, CancellationToken session)
    {
        var service = route.Service.FullName;
        if (!logger.IsEnabled(LogLevel.Information))
        {
            await Splice.RunAsync(loops, client, server, member.Traffic, session);
            return;
        }
        var started = time.GetTimestamp();
        var counters = new SpliceCounters(member.Traffic);
        LogSessionOpened(logger, service, remote, member.Member.Name, member.Member.Port);
        var end = await Splice.RunAsync(loops, client, server, counters, session);
        var reason = end switch
        {
            SpliceEnd.Closed => "closed",
            SpliceEnd.Failed => "reset",
            _ when stopping.IsCancellationRequested => "pgway stopping",
            _ => "shutdown-sessions",
        };
        var seconds = time.GetElapsedTime(started).TotalSeconds;
        LogSessionClosed(logger, service, remote, member.Member.Name, reason, counters.FromClient, counters.ToClient, seconds);
    }
}
