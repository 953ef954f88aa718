using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Pgway.Model;

namespace Pgway.Health;

/// <summary>
/// Decides who is up. Checks every member of the given services by its service's definition,
/// with one prober per distinct target, and keeps each member's HAProxy state machine. Routing,
/// the stats page and metrics read <see cref="Members"/>; <see cref="StateChanged"/> tells them
/// the moment a member goes down or comes back.
/// </summary>
internal sealed partial class HealthMonitor : IAsyncDisposable
{
    private readonly HealthMonitorOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly IHealthProbeFactory probes;
    private readonly Lock runningGate = new();
    private readonly Dictionary<HealthProber, (CancellationTokenSource Stop, Task Run)> running = [];
    private ImmutableArray<MemberHealth> members;
    private ImmutableArray<HealthProber> probers;
    private readonly Lock eventsGate = new();
    private readonly Queue<HealthEvent> recentEvents = new();
    private readonly CancellationTokenSource stopping = new();
    private int started;

    public HealthMonitor(IEnumerable<Service> services, HealthMonitorOptions options, IHealthProbeFactory probes, TimeProvider time, ILogger<HealthMonitor> logger)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(probes);
        this.options = options;
        this.probes = probes;
        this.time = time;
        this.logger = logger;
        var now = time.GetUtcNow();
        members = [.. services.SelectMany(s => s.Members.Select(m => new MemberHealth(s, m, TargetOf(s, m), now)))];
        probers = [.. members
            .Where(m => m.Target is not null)
            .GroupBy(m => m.Target!)
            .Select(g => NewProber(g.Key, [.. g]))];
    }

    /// <summary>Every member of every service monitored, in service then member order.</summary>
    public ImmutableArray<MemberHealth> Members => members;

    /// <summary>The distinct targets checked: fewer than <see cref="Members"/> when services share checks.</summary>
    public IEnumerable<CheckTarget> Targets => probers.Select(p => p.Target);

    /// <summary>Raised on the prober's task after every change of a member's state.</summary>
    public event Action<HealthEvent>? StateChanged;

    /// <summary>Raised on the prober's task after every check, once its members have counted the result.</summary>
    public event Action<CheckTarget, CheckResult>? Checked;

    /// <summary>The member of the service (by full name) with the given instance name.</summary>
    public MemberHealth? Find(string service, string member) =>
        Members.FirstOrDefault(m => m.Service.FullName == service && m.Member.Name == member);

    /// <summary>
    /// How long <paramref name="member"/>'s checks can go on calling it down once it answers them healthily: the
    /// check under way when it turned healthy may still fail (within a down member's deadline); the next comes
    /// <c>downinter</c> later, then <c>rise − 1</c> more passes at <c>fastinter</c> bring it up. A healthy member
    /// answers in milliseconds, so one more deadline covers the passes. Patroni's own view leads pgway's (and
    /// HAProxy's) by up to this much.
    /// </summary>
    public TimeSpan RiseTime(MemberHealth member)
    {
        ArgumentNullException.ThrowIfNull(member);
        var server = member.Service.Options;
        return options.Timeouts.For(server.DownInter).Total + server.DownInter + ((server.Rise - 1) * server.FastInter)
            + options.Timeouts.For(server.FastInter).Total;
    }

    /// <summary>The latest state changes, oldest first.</summary>
    public IReadOnlyList<HealthEvent> RecentEvents()
    {
        lock (eventsGate)
        {
            return [.. recentEvents];
        }
    }

    /// <summary>Starts every prober; each checks its members at once, then on their own schedule.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref started, 1) == 1)
        {
            throw new InvalidOperationException("the health monitor is already started");
        }
        LogStarting(logger, Members.Length, probers.Length);
        foreach (var prober in probers)
        {
            StartProber(prober);
        }
    }

    private HealthProber NewProber(CheckTarget target, IReadOnlyList<MemberHealth> checkedMembers) =>
        new(target, probes.Create(target, checkedMembers[0].Member.Instance), checkedMembers, options.Timeouts, time, Publish, NotifyChecked, LogProbeFailure);

    private void StartProber(HealthProber prober)
    {
        lock (runningGate)
        {
            var stop = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
            running[prober] = (stop, Task.Run(() => prober.RunAsync(stop.Token), CancellationToken.None));
        }
    }

    // Stopping a prober also closes its probe.
    private async Task StopProberAsync(HealthProber prober)
    {
        (CancellationTokenSource Stop, Task Run) run;
        lock (runningGate)
        {
            if (!running.Remove(prober, out run))
            {
                return;
            }
        }
        await run.Stop.CancelAsync();
        await run.Run;
        run.Stop.Dispose();
    }

    /// <summary>The check a member gets, or null when its service has none.</summary>
    public static CheckTarget? TargetOf(Service service, ServiceMember member)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(member);
        var check = service.Check;
        return check.Kind switch
        {
            HealthCheckKind.Http when member.CheckPort is { } port => new CheckTarget(check.Kind, member.Instance.Address, port, check.Method, check.Path)
            {
                // Pigsty turns TLS on for Patroni's REST API only; another check port stays plain.
                CaFile = port == member.Instance.PatroniPort ? member.Instance.PatroniCaFile : null,
            },
            HealthCheckKind.Postgres => new CheckTarget(check.Kind, member.Instance.Address, member.Instance.PgPort, "", check.Path),
            _ => null,
        };
    }

    private void Publish(HealthEvent change)
    {
        lock (eventsGate)
        {
            if (recentEvents.Count >= options.RecentEventCapacity)
            {
                recentEvents.Dequeue();
            }
            recentEvents.Enqueue(change);
        }
        LogChange(logger, change.To == MemberHealthState.Down ? LogLevel.Warning : LogLevel.Information, change);
        foreach (var handler in StateChanged?.GetInvocationList() ?? [])
        {
            try
            {
                ((Action<HealthEvent>)handler)(change);
            }
            catch (Exception e)
            {
                // One broken listener must not stop the checks or the other listeners.
                LogListenerFailed(logger, e);
            }
        }
    }

    private void NotifyChecked(CheckTarget target, CheckResult result)
    {
        if (result.Status == CheckStatus.LocalError)
        {
            LogLocalError(logger, target.ToString(), result.Detail);
        }
        foreach (var handler in Checked?.GetInvocationList() ?? [])
        {
            try
            {
                ((Action<CheckTarget, CheckResult>)handler)(target, result);
            }
            catch (Exception e)
            {
                LogListenerFailed(logger, e);
            }
        }
    }

    private void LogProbeFailure(CheckTarget target, Exception e) => LogProbeThrew(logger, target.ToString(), e);

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        HealthProber[] runningProbers;
        lock (runningGate)
        {
            runningProbers = [.. running.Keys];
        }
        foreach (var prober in runningProbers)
        {
            await StopProberAsync(prober);
        }
        if (Interlocked.Exchange(ref started, 1) == 0)
        {
            // Never started: the probers never ran, so their probes are still ours to close.
            foreach (var prober in probers)
            {
                await prober.DisposeProbeAsync();
            }
        }
        stopping.Dispose();
    }
}
