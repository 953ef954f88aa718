using System.Net;
using System.Net.Sockets;
using static Pgway.Transport.EpollInterop;

namespace Pgway.Transport;

/// <summary>
/// Connects a socket that an <see cref="EpollSplice"/> will serve, without the .NET socket engine:
/// a socket that engine has waited on stays in its epoll set and would wake its thread on every
/// message of the session for nothing.
/// </summary>
internal sealed class EpollConnect : IEpollTarget
{
    private readonly EpollLoop loop;
    private readonly Socket socket;
    private readonly CancellationToken cancellation;
    private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration stopping;
    private bool referenced;
    private int fd;
    private ulong token;

    private EpollConnect(EpollLoop loop, Socket socket, CancellationToken cancellation)
    {
        this.loop = loop;
        this.socket = socket;
        this.cancellation = cancellation;
    }

    /// <summary>Completes when connected; throws <see cref="SocketException"/> when refused, <see cref="OperationCanceledException"/> when cancelled.</summary>
    public static Task ConnectAsync(EpollLoop loop, Socket socket, EndPoint endPoint, CancellationToken cancellationToken)
    {
        socket.Blocking = false;
        try
        {
            socket.Connect(endPoint);
            return Task.CompletedTask;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            // Under way: the socket becomes writable when the handshake is done (or failed).
        }
        var connect = new EpollConnect(loop, socket, cancellationToken);
        loop.Post(connect.Start);
        return connect.done.Task;
    }

    private void Start()
    {
        try
        {
            socket.SafeHandle.DangerousAddRef(ref referenced);
        }
        catch (ObjectDisposedException e)
        {
            done.TrySetException(e);
            return;
        }
        fd = (int)socket.SafeHandle.DangerousGetHandle();
        token = loop.Register(fd, Out, this);
        if (token == 0)
        {
            Finish(new SocketException((int)SocketError.SocketError));
            return;
        }
        stopping = cancellation.UnsafeRegister(static state =>
        {
            var connect = (EpollConnect)state!;
            connect.loop.Post(() => connect.Finish(new OperationCanceledException(connect.cancellation)));
        }, this);
    }

    public void OnEvents(uint events)
    {
        var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
        Finish(error == SocketError.Success ? null : new SocketException((int)error));
    }

    private void Finish(Exception? failure)
    {
        if (token != 0)
        {
            loop.Unregister(fd, token);
            token = 0;
        }
        stopping.Unregister();
        if (referenced)
        {
            socket.SafeHandle.DangerousRelease();
            referenced = false;
        }
        if (failure is null)
        {
            done.TrySetResult();
        }
        else
        {
            done.TrySetException(failure);
        }
    }
}
