using Pgway.Model;

namespace Pgway.Health;

/// <summary>
/// The live health of one member of one service. Its prober writes it, and the DCS watch may
/// override it between two checks; anyone may read <see cref="Snapshot"/> at any time.
/// </summary>
internal sealed partial class MemberHealth
{
    // Serialises the prober's counting with the DCS watch's overrides, so neither loses the other's write.
    private readonly Lock writeGate = new();
    private MemberHealthSnapshot snapshot;
    private Service service;
    private ServiceMember member;

    internal MemberHealth(Service service, ServiceMember member, CheckTarget? target, DateTimeOffset now)
    {
        this.service = service;
        this.member = member;
        Target = target;
        var counter = HealthCounter.Initial(service.Options.Rise, service.Options.Fall);
        snapshot = new MemberHealthSnapshot(service.FullName, member.Name, counter, null, now, target is null ? null : now);
    }

    /// <summary>The member's service as last loaded: a reload with an unchanged check keeps the health and updates this.</summary>
    public Service Service => Volatile.Read(ref service);

    public ServiceMember Member => Volatile.Read(ref member);

    /// <summary>What its checks ask; null when the service has no check (always up, as HAProxy without <c>check</c>).</summary>
    public CheckTarget? Target { get; }

    /// <summary>HAProxy's expected status: what a check's answer must be to pass.</summary>
    public int ExpectedStatus => Service.Check.ExpectedStatus;

    public MemberHealthSnapshot Snapshot => Volatile.Read(ref snapshot);

    internal DateTimeOffset NextCheck => Snapshot.NextCheck ?? DateTimeOffset.MaxValue;

    /// <summary>The interval the member's next check would run at, which bounds its timeouts.</summary>
    internal TimeSpan CurrentInterval => Snapshot.Counter.NextInterval(Service.Options);

    /// <summary>Whether the member, reloaded as part of <paramref name="next"/>, can keep this health: the same check and counting.</summary>
    internal bool CanFollow(Service next, CheckTarget? nextTarget) =>
        nextTarget == Target && next.Check.ExpectedStatus == ExpectedStatus
        && next.Options.Rise == Service.Options.Rise && next.Options.Fall == Service.Options.Fall;

    /// <summary>Takes the reloaded service and member (their intervals apply from the next check); returns itself.</summary>
    internal MemberHealth Follow(Service next, ServiceMember nextMember)
    {
        Volatile.Write(ref service, next);
        Volatile.Write(ref member, nextMember);
        return this;
    }

    /// <summary>Counts one result; returns the event when the state changed.</summary>
    internal HealthEvent? Apply(CheckResult result, DateTimeOffset now)
    {
        lock (writeGate)
        {
            return ApplyLocked(result, now);
        }
    }

    private HealthEvent? ApplyLocked(CheckResult result, DateTimeOffset now)
    {
        var before = Snapshot;
        if (result.Status == CheckStatus.LocalError)
        {
            // pgway's own shortage says nothing about the member: shown, retried on the same rhythm, not counted.
            Volatile.Write(ref snapshot, before with { LastResult = result, NextCheck = now + before.Counter.NextInterval(Service.Options) });
            return null;
        }
        // A fenced member fails every check: its agent answering "primary" must not bring it back.
        var counter = before.Counter.After(result.Passes(ExpectedStatus) && !before.Fenced);
        var changed = counter.State != before.Counter.State;
        var next = now + counter.NextInterval(Service.Options);
        Volatile.Write(ref snapshot, before with
        {
            Counter = counter,
            LastResult = result,
            LastChange = changed ? now : before.LastChange,
            NextCheck = next,
        });
        return changed ? new HealthEvent(now, Service.FullName, Member.Name, before.Counter.State, counter.State, counter, result) : null;
    }
}
