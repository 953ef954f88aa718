namespace Pgway.Model;

/// <summary>How members of a service are checked.</summary>
internal enum HealthCheckKind
{
    /// <summary>No check: members always count as up (Pigsty's <c>check_port: none</c>).</summary>
    None,

    /// <summary>An HTTP request to Patroni's REST API or pgway's agent.</summary>
    Http,

    /// <summary>pgway's own: the agent's decision made by SQL straight against the member's postgres.</summary>
    Postgres,
}
