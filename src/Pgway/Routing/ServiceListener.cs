using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pgway.Protocol;

namespace Pgway.Routing;

/// <summary>
/// One service's port: accepts clients, has <see cref="ServiceRoute"/> choose a member, connects to
/// it (trying another member when one refuses) and splices the bytes. A client that gets no member
/// is answered with a PostgreSQL error naming the service and the reason.
/// </summary>
public sealed partial class ServiceListener : IAsyncDisposable
{
    private readonly ServiceRoute route;
    private readonly ServiceListenerOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Socket socket;
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock sessionsGate = new();
    private readonly HashSet<Task> sessions = [];
    private Task accepting = Task.CompletedTask;

    private ServiceListener(ServiceRoute route, Socket socket, ServiceListenerOptions options, TimeProvider time, ILogger logger)
    {
        this.route = route;
        this.socket = socket;
        this.options = options;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>Where it listens (with the port the system chose, if 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)socket.LocalEndPoint!;

    public ServiceRoute Route => route;

    /// <summary>Binds and starts accepting; throws <see cref="SocketException"/> when the address is taken or not this host's.</summary>
    public static ServiceListener Start(ServiceRoute route, IPEndPoint bind, ServiceListenerOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(bind);
        var socket = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(bind);
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var listener = new ServiceListener(route, socket, options, time, logger);
        listener.accepting = listener.AcceptLoopAsync();
        return listener;
    }

    private async Task AcceptLoopAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await socket.AcceptAsync(stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // A client that reset before being accepted, or a descriptor limit: keep serving the others.
                LogAcceptFailed(logger, route.Service.FullName, e.SocketErrorCode);
                continue;
            }
            client.NoDelay = true;
            var session = Task.Run(() => ServeAsync(client));
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
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            var remote = (IPEndPoint)client.RemoteEndPoint!;
            var clientKey = SourcePolicy.KeyOf(remote.Address);
            HashSet<int>? tried = null;
            for (var attempt = 0; attempt <= options.Retries; attempt++)
            {
                var (member, failure) = await route.AcquireAsync(clientKey, tried, stopping.Token).ConfigureAwait(false);
                if (member is null)
                {
                    await RefuseAsync(client, remote, failure, tried is not null);
                    return;
                }
                using var server = await ConnectAsync(member);
                if (server is null)
                {
                    member.ConnectFailed();
                    route.Release(member);
                    (tried ??= []).Add(member.Index);
                    continue;
                }
                using var session = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
                var id = member.Track(session);
                try
                {
                    var end = await Splice.RunAsync(client, server, member.Traffic, session.Token);
                    LogSessionEnded(logger, route.Service.FullName, remote, member.Member.Name, end);
                }
                finally
                {
                    member.Untrack(id);
                    route.Release(member);
                }
                return;
            }
            await RefuseAsync(client, remote, RouteFailure.NoServer, retried: true);
        }
    }

    private async Task<Socket?> ConnectAsync(MemberRoute member)
    {
        var address = IPAddress.Parse(member.Member.Instance.Address);
        var server = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(options.ConnectTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token, timeout.Token);
        try
        {
            await server.ConnectAsync(new IPEndPoint(address, member.Member.Port), linked.Token);
            return server;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            server.Dispose();
            LogConnectFailed(logger, route.Service.FullName, member.Member.Name, e is SocketException s ? s.SocketErrorCode.ToString() : "timeout");
            return null;
        }
    }

    private Task RefuseAsync(Socket client, IPEndPoint remote, RouteFailure failure, bool retried)
    {
        var service = route.Service;
        var (sqlState, message) = failure switch
        {
            RouteFailure.QueueFull => (SqlState.TooManyConnections,
                $"pgway: service {service.FullName} is full: every member is at maxconn {service.Options.MaxConn} (service maxconn {service.MaxConn}) and the queue at maxqueue {service.Options.MaxQueue} per member"),
            RouteFailure.QueueTimeout => (SqlState.TooManyConnections,
                $"pgway: service {service.FullName} is full: no free slot (member maxconn {service.Options.MaxConn}, service maxconn {service.MaxConn}) within timeout queue {options.QueueTimeout.TotalSeconds:0.#}s"),
            _ when retried => (SqlState.ConnectionFailure,
                $"pgway: service {service.FullName}: no member accepted a connection ({options.Retries + 1} tries)"),
            _ => (SqlState.ConnectionFailure, $"pgway: service {service.FullName} has no member up"),
        };
        LogRefused(logger, service.FullName, remote, failure);
        return ServiceRefusal.RefuseAsync(client, sqlState, message, options.RefusalWait, time);
    }

    public async ValueTask DisposeAsync()
    {
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
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service}: accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, string service, SocketError error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service}: connecting to {Member} failed ({Error}); trying another member")]
    private static partial void LogConnectFailed(ILogger logger, string service, string member, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service}: refused {Client}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string service, IPEndPoint client, RouteFailure reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Service}: {Client} via {Member} ended: {End}")]
    private static partial void LogSessionEnded(ILogger logger, string service, IPEndPoint client, string member, SpliceEnd end);
}
