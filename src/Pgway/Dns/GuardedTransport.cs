using System.Net;
using ARSoft.Tools.Net.Dns;

namespace Pgway.Dns;

/// <summary>
/// A server transport that hands the server only packets <see cref="DnsQueryReader"/> reads as a query: any other
/// (junk, or a response sent to us) is dropped here, unanswered and counted, before the server would answer it or
/// report it through <see cref="System.Diagnostics.Trace"/> (on Linux, a syslog line per packet: junk on the port must
/// not become a log line each). A connection <paramref name="admission"/> refuses (null: no bound, for UDP, whose
/// "connection" is one packet) is closed as soon as it is accepted, before anything is read, and reported.
/// </summary>
internal sealed class GuardedTransport(IServerTransport inner, DnsTcpAdmission? admission, Action onMalformed, Action<DnsTcpAdmissionResult, IPEndPoint> onRefused) : IServerTransport
{
    public ushort DefaultAllowedResponseSize => inner.DefaultAllowedResponseSize;

    public bool SupportsMultipleResponses => inner.SupportsMultipleResponses;

    public bool AllowTruncatedResponses => inner.AllowTruncatedResponses;

    public TransportProtocol TransportProtocol => inner.TransportProtocol;

    public void Bind() => inner.Bind();

    public void Close() => inner.Close();

    public void Dispose() => inner.Dispose();

    // The server loops on a null connection: it accepts the next one.
    public async Task<IServerConnection?> AcceptConnectionAsync(CancellationToken token = default)
    {
        if (await inner.AcceptConnectionAsync(token) is not { } connection)
        {
            return null;
        }
        if (admission is null)
        {
            return new Connection(this, connection, null, onMalformed);
        }
        var source = connection.RemoteEndPoint;
        var result = admission.TryAdmit(source.Address);
        if (result != DnsTcpAdmissionResult.Admitted)
        {
            // Counted and logged before the close, which is all the client sees.
            onRefused(result, source);
            connection.Dispose();
            return null;
        }
        return new Connection(this, connection, source, onMalformed);
    }

    private void Release(IPEndPoint source) => admission?.Release(source.Address);

    private sealed class Connection(GuardedTransport transport, IServerConnection inner, IPEndPoint? admitted, Action onMalformed) : IServerConnection
    {
        private int disposed;

        public IServerTransport Transport => transport;

        public IPEndPoint RemoteEndPoint => inner.RemoteEndPoint;

        public IPEndPoint LocalEndPoint => inner.LocalEndPoint;

        public bool CanRead => inner.CanRead;

        public Task<bool> InitializeAsync(CancellationToken token) => inner.InitializeAsync(token);

        // No package ends the connection (TCP) or the packet's turn (UDP) without an answer. The connection is closed
        // here: the library leaves a TCP connection whose client is gone, or whose keep-alive ran out, open (its
        // socket in CLOSE-WAIT, its descriptor held for good).
        public async Task<DnsReceivedRawPackage?> ReceiveAsync(CancellationToken token)
        {
            var package = await inner.ReceiveAsync(token);
            if (package is not null && DnsQueryReader.Read(package.ToArraySegment(false)) is null)
            {
                onMalformed();
                package = null;
            }
            if (package is null)
            {
                Dispose();
            }
            return package;
        }

        public Task<bool> SendAsync(DnsRawPackage package, CancellationToken token) => inner.SendAsync(package, token);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                inner.Dispose();
                if (admitted is not null)
                {
                    transport.Release(admitted);
                }
            }
        }
    }
}
