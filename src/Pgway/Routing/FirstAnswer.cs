namespace Pgway.Routing;

/// <summary>How the exchange of a client's first packet with a member ended (see <see cref="StartupExchange"/>).</summary>
internal enum FirstAnswer
{
    /// <summary>The member answered and its answer was passed to the client: the session is the member's.</summary>
    Answered,

    /// <summary>The member took the connection but said nothing within the bound (a frozen postmaster): nothing reached the client.</summary>
    NoAnswer,

    /// <summary>The member closed or reset the connection before answering: nothing reached the client.</summary>
    Closed,

    /// <summary>The client went away, or pgway is stopping.</summary>
    Gone,
}
