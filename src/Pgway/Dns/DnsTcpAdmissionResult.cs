namespace Pgway.Dns;

/// <summary>What <see cref="DnsTcpAdmission"/> decided of a new TCP connection.</summary>
internal enum DnsTcpAdmissionResult
{
    /// <summary>Served: it holds a slot until it ends.</summary>
    Admitted,

    /// <summary>Closed at once: the address serves <see cref="DnsOptions.MaxTcpConnections"/> already.</summary>
    TooManyConnections,

    /// <summary>Closed at once: its source holds <see cref="DnsOptions.MaxTcpConnectionsPerSource"/> already.</summary>
    TooManyFromSource,
}
