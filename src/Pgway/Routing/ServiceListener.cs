using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pgway.Protocol;
using Pgway.Transport;

namespace Pgway.Routing;

/// <summary>
/// One service's port: accepts clients, has <see cref="ServiceRoute"/> choose a member, connects to
/// it (trying another member when one refuses) and splices the bytes. A client that gets no member
/// is answered with a PostgreSQL error naming the service and the reason.
/// </summary>
internal sealed partial class ServiceListener : IAsyncDisposable
{
    private readonly ServiceRoute route;
    private readonly ServiceListenerOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Socket socket;
    private readonly CancellationTokenSource stopping = new();
    private readonly CancellationTokenSource acceptStopping = new();
    private readonly Lock sessionsGate = new();
    private readonly HashSet<Task> sessions = [];
    private readonly ClientAdmission admission;
    private readonly EpollLoopGroup loops;
    private readonly bool ownsLoops;
    private Task accepting = Task.CompletedTask;
    // Connections the port holds now, in any stage (starting, queued, spliced, being refused).
    private int open;

    private ServiceListener(ServiceRoute route, Socket socket, ServiceListenerOptions options, ClientAdmission admission, EpollLoopGroup? loops, TimeProvider time, ILogger logger)
    {
        ownsLoops = loops is null;
        this.loops = loops ?? new EpollLoopGroup(EpollLoopGroup.DefaultCount, time);
        this.route = route;
        this.admission = admission;
        this.socket = socket;
        this.options = options;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>Where it listens (with the port the system chose, if 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)socket.LocalEndPoint!;

    public ServiceRoute Route => route;

    /// <summary>Connections the port holds now, in any stage.</summary>
    public int Open => Volatile.Read(ref open);

    /// <summary>Binds and starts accepting; throws <see cref="SocketException"/> when the address is taken or not this host's.</summary>
    /// <param name="admission">The process's bound on clients, shared by every port; null for none but the default start-up cap.</param>
    /// <param name="loops">The process's epoll loops, which the host stops after the listener; null: the listener makes its own (one per CPU) and stops them with itself.</param>
    public static ServiceListener Start(ServiceRoute route, IPEndPoint bind, ServiceListenerOptions options, TimeProvider time, ILogger logger, ClientAdmission? admission = null,
        EpollLoopGroup? loops = null)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(bind);
        var socket = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (bind.Address.Equals(IPAddress.IPv6Any))
            {
                // "*": every IPv4 and IPv6 address of the host.
                socket.DualMode = true;
            }
            socket.Bind(bind);
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var listener = new ServiceListener(route, socket, options, admission ?? ClientAdmission.Unbounded(), loops, time, logger);
        listener.accepting = listener.AcceptLoopAsync();
        return listener;
    }

    private Task AcceptLoopAsync() => AcceptLoop.RunAsync(socket, time, Track, error => LogAcceptFailed(logger, route.Service.FullName, error),
        e => LogAcceptCrashed(logger, route.Service.FullName, e), acceptStopping.Token);

    // Over a limit, a client is refused here, before it costs more than its socket; each session
    // admitted is kept until it ends, so that stopping can wait for them.
    private void Track(Socket client)
    {
        if (Interlocked.Increment(ref open) > route.AcceptLimit)
        {
            Interlocked.Decrement(ref open);
            var service = route.Service;
            RefuseAtAccept(client, RouteFailure.QueueFull, $"pgway: service {service.FullName} is full: {service.MaxConn} sessions (service maxconn) and its queue are taken");
            return;
        }
        var (ticket, outcome) = admission.TryAdmit();
        if (ticket is null)
        {
            Interlocked.Decrement(ref open);
            RefuseAtAccept(client, RouteFailure.NoServer, admission.Describe(outcome));
            return;
        }
        var session = ServeAsync(client, ticket);
        lock (sessionsGate)
        {
            sessions.Add(session);
        }
        _ = session.ContinueWith(done =>
        {
            lock (sessionsGate)
            {
                sessions.Remove(done);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void RefuseAtAccept(Socket client, RouteFailure counted, string message)
    {
        if (counted == RouteFailure.QueueFull)
        {
            route.CountRefusal(counted);
            admission.NoteRefused();
        }
        if (admission.ShouldReport(time.GetUtcNow(), out var refused))
        {
            LogRefusedAtAccept(logger, route.Service.FullName, refused, message);
        }
        ClientRefusal.RefuseAtAccept(client, SqlState.TooManyConnections, message);
    }

    // Never throws: every client's end is logged, and its socket closed.
    private async Task ServeAsync(Socket client, ClientTicket ticket)
    {
        await Task.Yield();
        try
        {
            KeepAlive(client);
            await ServeClientAsync(client, ticket);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException && stopping.IsCancellationRequested)
        {
            // pgway is stopping.
        }
        catch (Exception e)
        {
            LogSessionFailed(logger, route.Service.FullName, e);
        }
        finally
        {
            client.Dispose();
            ticket.Dispose();
            Interlocked.Decrement(ref open);
        }
    }

    private async Task ServeClientAsync(Socket client, ClientTicket ticket)
    {
        var remote = (IPEndPoint)client.RemoteEndPoint!;
        // Read before a member is chosen: a silent client holds no slot (no member is chosen, no
        // server connection opened), a cancel goes where its session is, and the packet can be sent
        // again to another member if the first says nothing. Bounded by the start-up timeout too.
        var startupTimeout = admission.Limits.StartupTimeout < options.StartPacketTimeout ? admission.Limits.StartupTimeout : options.StartPacketTimeout;
        var first = await StartupExchange.ReadFirstPacketAsync(loops, client, startupTimeout, time, stopping.Token);
        if (first is null)
        {
            return;
        }
        ticket.FinishStartup();
        if (StartupExchange.IsCancelRequest(first))
        {
            var members = route.Members;
            var request = options.PgbouncerCancel is { } mark && route.Service.Destination.Name == Model.PortReference.Pgbouncer
                ? mark(first)
                : first;
            var taken = await CancelBroadcast.SendAsync(members, request, options.ConnectTimeout, time, stopping.Token);
            LogCancelForwarded(logger, route.Service.FullName, remote, taken, members.Length);
            return;
        }
        var clientKey = SourcePolicy.KeyOf(remote.Address);
        HashSet<int>? tried = null;
        var unanswered = false;
        for (var attempt = 0; attempt <= options.Retries; attempt++)
        {
            var (member, failure) = await route.AcquireAsync(clientKey, tried, stopping.Token);
            if (member is null)
            {
                await RefuseAsync(client, remote, first, failure, tried is not null, unanswered);
                return;
            }
            try
            {
                // Tracked before connecting, so a member marked down meanwhile cancels this session too.
                using var session = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
                var id = member.Track(session);
                try
                {
                    using var server = await ConnectAsync(member, session.Token);
                    var answer = server is null ? FirstAnswer.Closed : await RelayFirstAnswerAsync(client, server, first, member, session.Token);
                    if (answer == FirstAnswer.Gone)
                    {
                        return;
                    }
                    if (answer != FirstAnswer.Answered)
                    {
                        // Nothing has reached the client yet: the same packet may go to another member.
                        unanswered |= answer == FirstAnswer.NoAnswer;
                        (tried ??= []).Add(member.Index);
                        if (attempt < options.Retries)
                        {
                            route.CountRedispatch();
                        }
                        continue;
                    }
                    await SpliceAsync(client, server!, remote, member, session.Token);
                    return;
                }
                finally
                {
                    member.Untrack(id);
                }
            }
            finally
            {
                route.Release(member);
            }
        }
        await RefuseAsync(client, remote, first, RouteFailure.NoServer, retried: true, unanswered);
    }

    // The member's first answer, bounded: a postmaster that does not answer counts as a failed connect.
    private async Task<FirstAnswer> RelayFirstAnswerAsync(Socket client, Socket server, byte[] first, MemberRoute member, CancellationToken session)
    {
        var (answer, answered) = await StartupExchange.RelayFirstAnswerAsync(loops, client, server, first, options.FirstAnswerBound, time, session);
        switch (answer)
        {
            case FirstAnswer.Answered:
                member.Traffic.AddFromClient(first.Length);
                member.Traffic.AddToClient(answered);
                break;
            case FirstAnswer.NoAnswer or FirstAnswer.Closed when !stopping.IsCancellationRequested:
                member.ConnectFailed();
                LogConnectFailed(logger, route.Service.FullName, member.Member.Name,
                    answer == FirstAnswer.NoAnswer ? $"no answer to the start-up packet within {options.FirstAnswerBound.TotalSeconds:0.###}s" : "closed before answering");
                break;
        }
        return answer;
    }

    private async Task<Socket?> ConnectAsync(MemberRoute member, CancellationToken session)
    {
        Socket? server = null;
        using var timeout = new CancellationTokenSource(options.ConnectTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(session, timeout.Token);
        try
        {
            var address = IPAddress.Parse(member.Member.Instance.Address);
            server = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            KeepAlive(server);
            await Splice.ConnectAsync(loops, server, new IPEndPoint(address, member.Member.Port), linked.Token);
            return server;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            server?.Dispose();
            if (stopping.IsCancellationRequested)
            {
                return null;
            }
            if (e is SocketException local && LocalSocketErrors.IsLocal(local.SocketErrorCode))
            {
                // pgway's own shortage (descriptors, buffers): no fault of the member, and none of another.
                LogLocalSocketError(logger, route.Service.FullName, member.Member.Name, local.SocketErrorCode);
                throw;
            }
            member.ConnectFailed();
            LogConnectFailed(logger, route.Service.FullName, member.Member.Name,
                e is SocketException s ? s.SocketErrorCode.ToString() : timeout.IsCancellationRequested ? "timeout" : "member marked down");
            return null;
        }
    }

    // A peer that vanishes without a FIN or RST would hold its slot for ever; keepalive finds it.
    private static void KeepAlive(Socket socket)
    {
        socket.NoDelay = true;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 60);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 10);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 6);
    }

    private Task RefuseAsync(Socket client, IPEndPoint remote, byte[] first, RouteFailure failure, bool retried, bool unanswered)
    {
        var service = route.Service;
        var (sqlState, message) = failure switch
        {
            RouteFailure.QueueFull => (SqlState.TooManyConnections,
                $"pgway: service {service.FullName} is full: every member is at maxconn {service.Options.MaxConn} (service maxconn {service.MaxConn}) and the queue at maxqueue {service.Options.MaxQueue} per member"),
            RouteFailure.QueueTimeout => (SqlState.TooManyConnections,
                $"pgway: service {service.FullName} is full: no free slot (member maxconn {service.Options.MaxConn}, service maxconn {service.MaxConn}) within timeout queue {options.QueueTimeout.TotalSeconds:0.#}s"),
            _ when retried && unanswered => (SqlState.ConnectionFailure,
                $"pgway: service {service.FullName}: no member answered the start-up packet within {options.FirstAnswerBound.TotalSeconds:0.###}s or accepted a connection ({options.Retries + 1} tries)"),
            _ when retried => (SqlState.ConnectionFailure,
                $"pgway: service {service.FullName}: no member accepted a connection ({options.Retries + 1} tries)"),
            _ => (SqlState.ConnectionFailure, $"pgway: service {service.FullName} has no member up"),
        };
        route.CountRefusal(failure);
        LogRefused(logger, service.FullName, remote, failure);
        return ClientRefusal.RefuseAsync(client, first, sqlState, message, options.RefusalWait, time, stopping.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await acceptStopping.CancelAsync();
        await stopping.CancelAsync();
        socket.Dispose();
        await accepting;
        Task[] running;
        lock (sessionsGate)
        {
            running = [.. sessions];
        }
        await Task.WhenAll(running);
        stopping.Dispose();
        acceptStopping.Dispose();
        if (ownsLoops)
        {
            loops.Dispose();
        }
    }
}
