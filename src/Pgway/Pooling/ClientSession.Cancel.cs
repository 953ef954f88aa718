using System.Buffers;
using System.Net.Sockets;
using Pgway.Protocol;
using Pgway.Transport;

namespace Pgway.Pooling;

// A client's cancel request, forwarded to the server it holds; that server is not lent to another
// client until the cancel is done with (PgBouncer 1.18's fix: otherwise it may cancel the next
// client's statement).
internal sealed partial class ClientSession
{
    // A cancel came while pgway talked to the server on its own: it goes once that exchange is done.
    private bool cancelAfterExchange;
    // Completed as each cancel sent for the server the client holds is done with (the start-up values' wait).
    private readonly LoopWaiter cancelsDone = new();

    /// <summary>Forwards a client's cancel request to the server it holds now, with that server's key.</summary>
    public void ForwardCancel() => loop.Post(() =>
    {
        if (held is not null && talkingToServer)
        {
            // pgway is giving the server the client's parameters (or putting its start-up values back after a
            // RESET): cancelled, a set_config would leave the client's query to run under the server's values.
            cancelAfterExchange = true;
        }
        else if (held is { } holding)
        {
            SendCancel(holding);
        }
        else
        {
            // Waiting for a server: the wait ends, and the request is answered as cancelled.
            if (waiting is { } place)
            {
                pool!.CancelWait(place);
            }
            cancelConnecting?.Invoke();
        }
    });

    // A key of another node's session goes to that node's pgway, on the port this request came to; the client's
    // connection stays open until it is done (as PostgreSQL closes it once it has acted on the key).
    private async Task RouteCancelAsync(CancelKey key)
    {
        var routing = pooler.CancelKeys.RouteAsync(key, pooler.LocalEndPoint.Port, pooler.Stopping);
        if (!routing.IsCompleted)
        {
            var outcome = await routing;
            await loop.SwitchTo();
            if (outcome == CancelOutcome.ForwardFailed)
            {
                LogCancelForwardFailed(pooler.Logger, Id, CancelKey.NodeOf(key.ProcessId));
            }
        }
    }

    // pgway's own exchange with the server is answered in full: the client's side may talk to it now, and a
    // cancel that came meanwhile goes (it may stop the client's request, or come before it and do nothing,
    // as on PostgreSQL).
    private void EndOwnExchange()
    {
        talkingToServer = false;
        if (cancelAfterExchange && held is { } current)
        {
            cancelAfterExchange = false;
            SendCancel(current);
        }
    }

    // On a new connection, as PostgreSQL wants cancel requests; off the loop, it is rare and short.
    // Counted on the server until the server has acted on it: it is not lent to another client before.
    private void SendCancel(PooledServer current)
    {
        current.CancelsInFlight++;
        var backend = current.Lease.EndPoint;
        var (processId, key) = (current.Login.ProcessId, current.Login.SecretKey);
        _ = Task.Run(async () =>
        {
            try
            {
                using var socket = new Socket(backend.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await socket.ConnectAsync(backend, timeout.Token);
                var output = new ArrayBufferWriter<byte>();
                FrontendMessages.CancelRequest(output, processId, key);
                await socket.SendAsync(output.WrittenMemory, SocketFlags.None, timeout.Token);
                // The server closes once it has read the request.
                await socket.ReceiveAsync(new byte[1], SocketFlags.None, timeout.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                LogCancelFailed(pooler.Logger, Id, e.Message);
            }
            finally
            {
                // The server has acted on it (or never will): the server may serve another client now.
                loop.Post(() =>
                {
                    current.CancelsInFlight--;
                    if (held == current)
                    {
                        ReleaseIfIdle();
                        UpdateTimeoutState();
                        // Held still for a failed COPY's Syncs only: the pump settles them now.
                        server?.WakeWaits();
                        // Last: the pump, waiting to put start-up values back, runs on inline.
                        cancelsDone.Complete();
                    }
                    else if (current.ReleaseAfterCancels && current.CancelsInFlight == 0)
                    {
                        current.ReleaseAfterCancels = false;
                        pool!.Release(current, loop);
                    }
                });
            }
        });
    }
}
