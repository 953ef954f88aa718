namespace Pgway.Transport;

/// <summary>What <see cref="ClientAdmission"/> decided for a client just accepted.</summary>
internal enum Admission
{
    /// <summary>Admitted: it holds a <see cref="ClientTicket"/>.</summary>
    Admitted,

    /// <summary>Refused: clients already hold every descriptor not kept in reserve.</summary>
    OutOfDescriptors,

    /// <summary>Refused: too many clients accepted have not sent their start-up packet yet.</summary>
    TooManyStarting,
}
