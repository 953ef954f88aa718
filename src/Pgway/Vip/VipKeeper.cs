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
        status = new VipStatus(cluster, vip.Cidr, vip.Interface, false, "not decided yet", null, null, 0, 0, null);
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
        var verdict = stopReason is { } stopping
            ? new VipVerdict(false, stopping)
            : VipRules.Decide(leadership.Read(), localInstance, vip.DcsGrace, now);
        var (device, resolveError) = table.Resolve(vip, nodeAddress);
        var holders = table.Holders(vip.Address);
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
                else
                {
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
            Interface = device ?? vip.Interface,
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
