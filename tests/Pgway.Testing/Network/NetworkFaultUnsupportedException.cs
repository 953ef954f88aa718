namespace Pgway.Testing.Network;

/// <summary>
/// A fault the kernel of this machine cannot inject (no <c>sch_netem</c> for delay, no nftables for loss);
/// the message names what is missing. Tests that need the fault skip with that message.
/// </summary>
public sealed class NetworkFaultUnsupportedException : Exception
{
    /// <summary>Creates the exception with the reason.</summary>
    public NetworkFaultUnsupportedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the reason and the failure behind it.</summary>
    public NetworkFaultUnsupportedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public NetworkFaultUnsupportedException()
    {
    }
}
