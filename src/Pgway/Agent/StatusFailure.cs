namespace Pgway.Agent;

/// <summary>Why a status could not be read, in the terms a check reports (HAProxy's L4CON, L4TOUT, L7TOUT).</summary>
internal enum StatusFailure
{
    /// <summary>The status was read.</summary>
    None,

    /// <summary>Nothing listens: connection refused or no socket.</summary>
    Refused,

    /// <summary>Connecting took longer than allowed.</summary>
    ConnectTimeout,

    /// <summary>Connected, but the queries took longer than allowed.</summary>
    Timeout,

    /// <summary>This process could not open a socket (out of descriptors or buffers): nothing learned about the instance.</summary>
    Local,

    /// <summary>Anything else: authentication, permissions, a server error.</summary>
    Other,
}
