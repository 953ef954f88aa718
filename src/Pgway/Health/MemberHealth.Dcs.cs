namespace Pgway.Health;

// The DCS watch's override: a member moved at once to fully up or fully down, as if its checks had
// passed rise times or failed fall times. Its checks keep their schedule and decide from then on.
internal sealed partial class MemberHealth
{
    /// <summary>
    /// Sets the member fully up or fully down for <paramref name="cause"/> (a <see cref="CheckStatus.Dcs"/> result,
    /// not kept as the last check's); returns the event when its state changed.
    /// </summary>
    internal HealthEvent? Override(bool up, CheckResult cause, DateTimeOffset now)
    {
        lock (writeGate)
        {
            var before = Snapshot;
            if (up && before.Fenced)
            {
                // Fenced stays down, whatever the DCS says, until an operator clears it.
                return null;
            }
            var counter = before.Counter with { Health = up ? before.Counter.Max : 0, Checked = true };
            if (counter == before.Counter)
            {
                return null;
            }
            var changed = counter.State != before.Counter.State;
            Volatile.Write(ref snapshot, before with
            {
                Counter = counter,
                LastChange = changed ? now : before.LastChange,
            });
            return changed ? new HealthEvent(now, Service.FullName, Member.Name, before.Counter.State, counter.State, counter, cause) : null;
        }
    }
}
