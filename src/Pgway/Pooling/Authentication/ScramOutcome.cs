namespace Pgway.Pooling.Authentication;

/// <summary>How a client's SCRAM proof fared.</summary>
internal enum ScramOutcome
{
    Authenticated,

    /// <summary>Well formed, but not made with the password (28P01).</summary>
    WrongPassword,

    /// <summary>Breaks the exchange (08P01).</summary>
    Malformed,
}
