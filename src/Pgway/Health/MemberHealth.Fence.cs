namespace Pgway.Health;

// A sticky fence: the member is moved down at once and fails every check until it is cleared, so an old
// primary whose agent still answers "primary" after a switchover without Patroni cannot come back.
internal sealed partial class MemberHealth
{
    /// <summary>Fences the member (down at once, and down until <see cref="Unfence"/>); returns the event when its state changed.</summary>
    internal HealthEvent? Fence(CheckResult cause, DateTimeOffset now)
    {
        lock (writeGate)
        {
            var before = Snapshot;
            var counter = before.Counter with { Health = 0, Checked = true };
            var changed = counter.State != before.Counter.State;
            Volatile.Write(ref snapshot, before with
            {
                Counter = counter,
                Fenced = true,
                LastChange = changed ? now : before.LastChange,
            });
            return changed ? new HealthEvent(now, Service.FullName, Member.Name, before.Counter.State, counter.State, counter, cause) : null;
        }
    }

    /// <summary>Clears the fence: the member stays down until its checks pass <c>rise</c> times; true when it was fenced.</summary>
    internal bool Unfence()
    {
        lock (writeGate)
        {
            var before = Snapshot;
            if (!before.Fenced)
            {
                return false;
            }
            Volatile.Write(ref snapshot, before with { Fenced = false });
            return true;
        }
    }
}
