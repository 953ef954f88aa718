using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Pgway.Testing.Network;

/// <summary>
/// Opens TCP connections from inside a namespace for a test running in the root namespace: a socket belongs
/// to the namespace of the thread that creates it, so a dedicated thread enters the namespace (setns(2),
/// which affects that thread only), creates the socket and ends; the socket is then used from anywhere.
/// </summary>
internal static class NetnsSocket
{
    /// <summary>A TCP connection from <paramref name="host"/> to <paramref name="endPoint"/>.</summary>
    public static async Task<Socket> ConnectAsync(NetworkHost host, IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = RunIn(host, () => new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="start"/> on a thread inside <paramref name="host"/>'s namespace and returns what it returns.
    /// Sockets it creates before its first incomplete await belong to that namespace (for an async method, what runs
    /// after that await runs elsewhere, so it must have created its socket by then).
    /// </summary>
    public static T RunIn<T>(NetworkHost host, Func<T> start)
    {
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(Path.Combine("/run/netns", host.Namespace));
                if (NativeMethods.SetNamespace((int)handle.DangerousGetHandle(), NativeMethods.CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns into netns {host.Namespace} failed: errno {Marshal.GetLastPInvokeError()}");
                }

                result = start();
            }
#pragma warning disable CA1031 // Handed to the calling thread, which rethrows it.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                failure = exception;
            }
        })
        {
            IsBackground = true,
            Name = "netns " + host.Name,
        };
        thread.Start();
        thread.Join();
        return failure is null ? result! : throw new InvalidOperationException($"Running inside netns {host.Namespace} failed.", failure);
    }
}
