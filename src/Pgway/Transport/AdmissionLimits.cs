namespace Pgway.Transport;

/// <summary>
/// The process-wide bounds on clients that <see cref="ClientAdmission"/> enforces at accept, on every
/// service port and pooler alike.
/// </summary>
/// <param name="DescriptorReserve">
/// File descriptors kept below the open-files limit for what must keep working when clients flood
/// the node: listeners, health checks, status readers, agents, the admin endpoint, the DCS watch.
/// </param>
/// <param name="MaxStarting">Clients accepted that have not yet sent their start-up packet (their first bytes, on a spliced port), at most.</param>
/// <param name="StartupTimeout">How long an accepted client may take to send its start-up packet (after any TLS handshake) before it is closed.</param>
internal sealed record AdmissionLimits(int DescriptorReserve, int MaxStarting, TimeSpan StartupTimeout)
{
    /// <summary>
    /// 100 descriptors in reserve (a few per service and instance checked, with room for the agent and
    /// admin connections); 512 clients starting, and 10 s each: a real client sends its start-up packet
    /// one round trip after connecting, so these bound only clients that send nothing.
    /// </summary>
    public static readonly AdmissionLimits Default = new(100, 512, TimeSpan.FromSeconds(10));
}
