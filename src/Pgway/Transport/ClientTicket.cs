namespace Pgway.Transport;

/// <summary>
/// An admitted client's place in <see cref="ClientAdmission"/>: a client slot, and a start-up slot
/// until <see cref="FinishStartup"/>. Both calls are idempotent, so every path that ends a client may
/// simply dispose its ticket.
/// </summary>
internal sealed class ClientTicket : IDisposable
{
    private readonly ClientAdmission admission;
    private int starting = 1;
    private int held = 1;

    internal ClientTicket(ClientAdmission admission) => this.admission = admission;

    /// <summary>Whether the client has not sent its start-up packet yet.</summary>
    public bool Starting => Volatile.Read(ref starting) == 1;

    /// <summary>The start-up packet arrived: the start-up slot goes back, the client slot stays.</summary>
    public void FinishStartup()
    {
        if (Interlocked.Exchange(ref starting, 0) == 1)
        {
            admission.EndStartup();
        }
    }

    /// <summary>The client is gone: both slots go back.</summary>
    public void Dispose()
    {
        FinishStartup();
        if (Interlocked.Exchange(ref held, 0) == 1)
        {
            admission.Leave();
        }
    }
}
