namespace Pgway.Transport;

/// <summary>
/// Which clients the process accepts, decided at accept on every service port and pooler, before a
/// client costs anything but its socket. Each client is reckoned at two descriptors (its own and the
/// server connection it leads to, as HAProxy reckons its maxconn from <c>ulimit -n</c>), so clients
/// never take the descriptors kept in reserve for checks, agents and the admin endpoint; and
/// clients that have not sent their start-up packet are capped apart, so idle sockets cannot hold
/// every client slot. A refused client is answered at once and closed.
/// </summary>
internal sealed class ClientAdmission
{
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(10);

    private int clients;
    private int starting;
    private long refusedDescriptors;
    private long refusedStarting;
    private long lastReportTicks;
    private long refusedSinceReport;

    /// <param name="descriptorLimit">The open-files limit (soft RLIMIT_NOFILE).</param>
    /// <param name="descriptorsInUse">Descriptors open before any client (listeners, the runtime's own).</param>
    public ClientAdmission(long descriptorLimit, int descriptorsInUse, AdmissionLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        Limits = limits;
        DescriptorLimit = descriptorLimit;
        DescriptorsAtStart = descriptorsInUse;
        var free = descriptorLimit == long.MaxValue ? long.MaxValue : descriptorLimit - descriptorsInUse - limits.DescriptorReserve;
        ClientCapacity = (int)Math.Clamp(free == long.MaxValue ? long.MaxValue : free / 2, 0, int.MaxValue);
        // Clients still starting may hold at most half the client slots: the other half stays for
        // clients that speak, however many idle sockets arrive.
        StartingCapacity = Math.Max(1, Math.Min(limits.MaxStarting, ClientCapacity / 2));
    }

    /// <summary>No descriptor bound (a pooler or listener on its own, tests), only <paramref name="limits"/>' start-up cap.</summary>
    public static ClientAdmission Unbounded(AdmissionLimits? limits = null) => new(long.MaxValue, 0, limits ?? AdmissionLimits.Default);

    /// <summary>This process's: the soft open-files limit raised to the hard one, less what is open now and the reserve.</summary>
    public static ClientAdmission ForThisProcess(AdmissionLimits limits)
    {
        var (before, now) = Transport.DescriptorLimit.RaiseToHard();
        return new ClientAdmission(now, Transport.DescriptorLimit.CountOpen(), limits) { RaisedFrom = before == now ? null : before };
    }

    public AdmissionLimits Limits { get; }

    /// <summary>The open-files limit the capacity was reckoned from; <see cref="long.MaxValue"/> when unbounded.</summary>
    public long DescriptorLimit { get; }

    /// <summary>The soft limit before it was raised to the hard one; null when it was not raised.</summary>
    public long? RaisedFrom { get; private init; }

    public int DescriptorsAtStart { get; }

    /// <summary>Clients at once, at most, over every port of the process.</summary>
    public int ClientCapacity { get; }

    /// <summary>Clients that have not sent their start-up packet, at most: the smaller of the setting and half <see cref="ClientCapacity"/>.</summary>
    public int StartingCapacity { get; }

    public int Clients => Volatile.Read(ref clients);

    public int Starting => Volatile.Read(ref starting);

    public long RefusedForDescriptors => Interlocked.Read(ref refusedDescriptors);

    public long RefusedForStarting => Interlocked.Read(ref refusedStarting);

    /// <summary>Takes a client slot and a start-up slot, or neither.</summary>
    public (ClientTicket? Ticket, Admission Outcome) TryAdmit()
    {
        if (!TryTake(ref clients, ClientCapacity))
        {
            Interlocked.Increment(ref refusedDescriptors);
            Interlocked.Increment(ref refusedSinceReport);
            return (null, Admission.OutOfDescriptors);
        }
        if (!TryTake(ref starting, StartingCapacity))
        {
            Interlocked.Decrement(ref clients);
            Interlocked.Increment(ref refusedStarting);
            Interlocked.Increment(ref refusedSinceReport);
            return (null, Admission.TooManyStarting);
        }
        return (new ClientTicket(this), Admission.Admitted);
    }

    /// <summary>The error a refused client is told, naming the limit and what to change.</summary>
    public string Describe(Admission outcome) => outcome switch
    {
        Admission.OutOfDescriptors =>
            $"pgway: too many connections: {ClientCapacity} clients already hold this process's share of its open-files limit {DescriptorLimit} " +
            $"({Limits.DescriptorReserve} kept for health checks, agents and the admin endpoint); raise the limit (LimitNOFILE, ulimit -n)",
        Admission.TooManyStarting =>
            $"pgway: too many connections: {StartingCapacity} clients accepted have not sent their start-up packet yet " +
            $"(each is closed after {Limits.StartupTimeout.TotalSeconds:0.#} s)",
        _ => "",
    };

    /// <summary>
    /// Whether refusals should be logged now: at most once every ten seconds, with how many clients
    /// were refused since, so a flood cannot flood the log too.
    /// </summary>
    public bool ShouldReport(DateTimeOffset now, out long refused)
    {
        var last = Interlocked.Read(ref lastReportTicks);
        if (now.UtcTicks - last < ReportInterval.Ticks || Interlocked.CompareExchange(ref lastReportTicks, now.UtcTicks, last) != last)
        {
            refused = 0;
            return false;
        }
        refused = Interlocked.Exchange(ref refusedSinceReport, 0);
        return true;
    }

    /// <summary>Counts a client refused by a limit of its port (<c>max_client_conn</c>, a service's maxconn), for <see cref="ShouldReport"/>.</summary>
    public void NoteRefused() => Interlocked.Increment(ref refusedSinceReport);

    internal void EndStartup() => Interlocked.Decrement(ref starting);

    internal void Leave() => Interlocked.Decrement(ref clients);

    private static bool TryTake(ref int used, int limit)
    {
        while (true)
        {
            var now = Volatile.Read(ref used);
            if (now >= limit)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref used, now + 1, now) == now)
            {
                return true;
            }
        }
    }
}
