using Microsoft.Extensions.Logging;
using Pgway.Model;

namespace Pgway.Vip;

/// <summary>
/// Keeps one cluster's VIP on this node exactly while <see cref="VipRules"/> says it belongs here. Each
/// <see cref="Step"/> decides afresh from the DCS and the checks and compares the decision with the interface's
/// actual addresses (a full reconcile, not a memory of what was done): it adds and announces, or removes at once,
/// and says when it wants the next step. One caller at a time (<see cref="VipRunner"/>).
/// </summary>
internal sealed partial class VipKeeper
{
    private readonly ClusterVip vip;
    private readonly string localInstance;
    private readonly string nodeAddress;
    private readonly IVipLeadership leadership;
    private readonly IVipAddressTable table;
    private readonly IVipAnnouncer announcer;
    private readonly VipOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private VipStatus status;
    private int announcementsLeft;
    private DateTimeOffset nextAnnouncement;
    private string? stopReason;
    private DateTimeOffset? handOverSince;
    private DateTimeOffset? otherHolderSince;
    private (DateTimeOffset At, long Epoch)? vacancy;
    private (DateTimeOffset Since, long Epoch)? leaderless;

    public VipKeeper(string cluster, ClusterVip vip, Instance local, IVipLeadership leadership, IVipAddressTable table, IVipAnnouncer announcer, VipOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(vip);
        ArgumentNullException.ThrowIfNull(local);
        Cluster = cluster;
        this.vip = vip;
        localInstance = local.Name;
        nodeAddress = local.Address;
        this.leadership = leadership;
        this.table = table;
        this.announcer = announcer;
        this.options = options;
        this.time = time;
        this.logger = logger;
        status = new VipStatus(cluster, vip.Cidr, vip.InterfaceOn(local.Address), false, "not decided yet", null, null, 0, 0, null);
    }

    public string Cluster { get; }

    public ClusterVip Vip => vip;

    public VipStatus Status => Volatile.Read(ref status);

    /// <summary>
    /// Decides, puts the interface right and sends an announcement that is due; returns how long until the next step
    /// is needed when nothing else happens (the reconcile interval at most).
    /// </summary>
    public TimeSpan Step()
    {
        var now = time.GetUtcNow();
        var (device, resolveError) = table.Resolve(vip, nodeAddress);
        var holders = table.Holders(vip.Address);
        var (verdict, signal) = Decide(now, device is not null && holders.Contains(device));
        var before = Status;
        string? error = null;
        var held = false;
        if (verdict.Hold)
        {
            if (device is null)
            {
                error = resolveError ?? "no interface for the VIP";
            }
            else
            {
                // A copy on another interface (moved by hand, or pg_vip_interface changed) would answer too.
                foreach (var stray in holders.Where(h => h != device))
                {
                    error ??= table.Remove(vip, stray).Error;
                }
                if (holders.Contains(device))
                {
                    held = true;
                    if (!before.Held)
                    {
                        // Found in place (pgway restarted on the leader): announce anyway, a client may have cached another MAC.
                        ScheduleAnnouncements(now);
                    }
                }
                else if (SeenVacant(signal, now, ref verdict) || MayTakeOver(device, now, ref verdict, ref error))
                {
                    vacancy = null;
                    var added = table.Add(vip, device);
                    error ??= added.Error;
                    held = added.Ok;
                    if (added.Ok)
                    {
                        ScheduleAnnouncements(now);
                    }
                }
            }
        }
        else
        {
            otherHolderSince = null;
            announcementsLeft = 0;
            foreach (var holder in holders)
            {
                var removed = table.Remove(vip, holder);
                if (!removed.Ok)
                {
                    error ??= removed.Error;
                    held = true;
                }
            }
            verdict = WatchVacancy(signal, device, holders.Count > 0, now, verdict);
        }
        var announced = 0;
        if (held && announcementsLeft > 0 && now >= nextAnnouncement && device is not null)
        {
            var sent = announcer.Announce(vip, device);
            announcementsLeft--;
            nextAnnouncement = now + options.AnnounceSpacing;
            if (sent.Ok)
            {
                announced = 1;
            }
            else
            {
                error ??= sent.Error;
            }
        }
        Publish(before, held, holders.Count > 0, verdict, device, error, announced, now);
        var wait = options.ReconcileInterval;
        if (held && announcementsLeft > 0)
        {
            wait = Min(wait, nextAnnouncement - now);
        }
        if (verdict.RecheckAfter is { } recheck)
        {
            wait = Min(wait, recheck);
        }
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    // The rules' decision; a holder the decision takes the VIP from hands it over only once its pooled clients are answered (bounded).
    private (VipVerdict Verdict, VipSignal Signal) Decide(DateTimeOffset now, bool heldHere)
    {
        var signal = leadership.Read();
        if (stopReason is { } stopping)
        {
            return (new VipVerdict(false, stopping), signal);
        }
        var verdict = VipRules.Decide(signal, localInstance, vip.DcsGrace, now);
        if (verdict.Hold || !heldHere)
        {
            handOverSince = null;
            return (verdict, signal);
        }
        handOverSince ??= now;
        return (VipRules.HandOver(verdict, signal, heldHere, now - handOverSince.Value, options), signal);
    }

    // While the cluster has no leader and nobody here holds the VIP: probe every VacancyRefresh whether another host
    // answers for it. Whoever the next leader key names is the only one who may add it, so a probe that found nobody
    // since the key went empty is as good, for that node, as the probe it would send before adding (see SeenVacant).
    // Past VacancyFastFor without a leader, no failover is under way: the probes slow to VacancySlowRefresh.
    private VipVerdict WatchVacancy(VipSignal signal, string? device, bool presentHere, DateTimeOffset now, VipVerdict verdict)
    {
        if (!signal.Leaderless)
        {
            leaderless = null;
            vacancy = null;
            return verdict;
        }
        if (leaderless is not { } known || known.Epoch != signal.LeaderEpoch)
        {
            leaderless = known = (now, signal.LeaderEpoch);
        }
        if (presentHere || device is null || stopReason is not null)
        {
            vacancy = null;
            return verdict;
        }
        var refresh = now - known.Since < options.VacancyFastFor ? options.VacancyRefresh : options.VacancySlowRefresh;
        if (vacancy is not { } seen || seen.Epoch != signal.LeaderEpoch || now - seen.At >= refresh)
        {
            var probe = announcer.Probe(vip, device, options.ProbeWindow);
            vacancy = probe.Error is null && probe.Answering.Count == 0 ? (now, signal.LeaderEpoch) : null;
        }
        var recheck = vacancy is { } fresh ? refresh - (now - fresh.At) : refresh;
        return verdict with { RecheckAfter = verdict.RecheckAfter is { } other ? Min(other, recheck) : recheck };
    }

    // The probe before an add may be left out when one made while the cluster had no leader found nobody, the leader key
    // has changed exactly once since (to this node's instance: the verdict holds), with the DCS watched throughout, and
    // not long ago: no other node's pgway was given the VIP in between, and one that still held it would have answered.
    private bool SeenVacant(VipSignal signal, DateTimeOffset now, ref VipVerdict verdict)
    {
        if (vacancy is not { } seen || signal.Dcs != VipDcsState.Connected || signal.LeaderEpoch != seen.Epoch + 1 || now - seen.At > options.VacancyTrust)
        {
            return false;
        }
        verdict = verdict with { Reason = $"{verdict.Reason}; added without a probe: nobody answered for it {(now - seen.At).TotalMilliseconds:0} ms before, while the cluster had no leader" };
        return true;
    }

    // Before adding (IPv4): an ARP probe, so that a holder slower to let go than we are to take (its DCS watch or checks
    // behind ours, a switchover handing over) is waited for rather than answered beside; for TakeoverWait at most, past
    // which a holder that never lets go (its pgway gone) is overridden. A probe that cannot be sent does not stop the add.
    private bool MayTakeOver(string device, DateTimeOffset now, ref VipVerdict verdict, ref string? error)
    {
        var probe = announcer.Probe(vip, device, options.ProbeWindow);
        if (probe.Error is not null || probe.Answering.Count == 0)
        {
            error ??= probe.Error;
            otherHolderSince = null;
            return true;
        }
        otherHolderSince ??= now;
        var waited = now - otherHolderSince.Value;
        var others = string.Join(", ", probe.Answering);
        if (waited >= options.TakeoverWait)
        {
            LogTakingOver(logger, Cluster, vip.Cidr, others, waited.TotalSeconds);
            otherHolderSince = null;
            return true;
        }
        verdict = verdict with
        {
            Reason = $"{verdict.Reason}; waiting for {others} to let the VIP go (it still answers for it; {waited.TotalSeconds:0.#} of {options.TakeoverWait.TotalSeconds:0.#} s)",
            RecheckAfter = VipOptions.HandOverPoll,
        };
        return false;
    }

    /// <summary>From now on the VIP is released whatever the leadership says (pgway stopping); the next <see cref="Step"/> removes it.</summary>
    public void Stop(string reason) => stopReason = reason;

    private void ScheduleAnnouncements(DateTimeOffset now)
    {
        announcementsLeft = options.Announcements;
        nextAnnouncement = now;
    }

    private void Publish(VipStatus before, bool held, bool wasPresent, VipVerdict verdict, string? device, string? error, int announced, DateTimeOffset now)
    {
        var moved = held != wasPresent;
        var next = before with
        {
            Held = held,
            Interface = device ?? vip.InterfaceOn(nodeAddress),
            Reason = verdict.Reason,
            Error = error,
            Announcements = before.Announcements + announced,
        };
        if (moved)
        {
            next = next with { LastMove = now, LastMoveReason = verdict.Reason, Moves = before.Moves + 1 };
            if (held)
            {
                LogAdded(logger, Cluster, vip.Cidr, device ?? "?", verdict.Reason);
            }
            else
            {
                LogRemoved(logger, Cluster, vip.Cidr, verdict.Reason);
            }
        }
        if (error is not null && error != before.Error)
        {
            LogFailed(logger, Cluster, vip.Cidr, error);
        }
        else if (error is null && before.Error is not null)
        {
            LogRecovered(logger, Cluster, vip.Cidr);
        }
        Volatile.Write(ref status, next);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
