namespace Pgway.Health;

/// <summary>The outcome of one check, in HAProxy's terms (its <c>check_status</c> codes).</summary>
internal enum CheckStatus
{
    /// <summary>L4OK: connected (a check without a layer-7 part).</summary>
    L4Ok,

    /// <summary>L4TOUT: connecting timed out.</summary>
    L4Timeout,

    /// <summary>L4CON: connection refused, reset or unreachable.</summary>
    L4Connection,

    /// <summary>L7OK: the answer had the expected status.</summary>
    L7Ok,

    /// <summary>L7STS: the answer had another status (a 503 from <c>/primary</c> on a replica).</summary>
    L7Status,

    /// <summary>L7RSP: the answer was not HTTP.</summary>
    L7Response,

    /// <summary>L7TOUT: connected, but no answer in time.</summary>
    L7Timeout,

    /// <summary>
    /// SOCKERR: pgway could not open a socket of its own (out of descriptors or buffers). pgway's
    /// fault, not the member's: the result is shown and logged, but counts neither way.
    /// </summary>
    LocalError,

    /// <summary>Not a check: the DCS watch moved the member because Patroni's leader key changed.</summary>
    Dcs,

    /// <summary>Not a check: an operator or a switchover fenced the member (HAProxy's maintenance).</summary>
    Fenced,

    /// <summary>L6RSP: the TLS handshake failed (a certificate the CA did not sign, a server without TLS).</summary>
    L6Response,

    /// <summary>L6TOUT: the TLS handshake did not finish in time.</summary>
    L6Timeout,
}
