namespace Pgway.Routing;

// A dest: pool service: the pooler asks for a member per new server connection, never queues
// here (its clients wait in their pool, up to query_wait_timeout), and wants to know when asking
// again may help.
internal sealed partial class ServiceRoute
{
    private TaskCompletionSource? changed;

    /// <summary>
    /// A member for one new server connection now, counted as a session on it until
    /// <see cref="Release"/>; null when no member is eligible or every eligible one is full. Only
    /// members fully up qualify: one whose check failed once gets no new server.
    /// </summary>
    /// <param name="exclude">Indexes of members to leave out (a connection to them just failed).</param>
    internal MemberRoute? TryTake(uint key, IReadOnlySet<int>? exclude)
    {
        lock (gate)
        {
            return TryPick(key, exclude, pick: queue.Count == 0, strict: true).Member;
        }
    }

    /// <summary>The members a new server connection may go to now (fully up; actives before backups).</summary>
    internal List<MemberRoute> EligibleForPool()
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            candidates.Clear();
            foreach (var member in Members)
            {
                var share = SlowStart.Share(member.UpSince, now, Service.Options.SlowStart);
                candidates.Add(new Candidate(member.Index, member.IsFullyUp, member.Member.IsBackup,
                    SlowStart.Weight(member.Member.Weight, share), member.Sessions, SlowStart.MaxConn(Service.Options.MaxConn, share)));
            }
            MemberChoice.Eligible(candidates, Service.AllBackups, eligible);
            return [.. eligible.Select(c => Members[c.Index])];
        }
    }

    /// <summary>Completes at the next change that may let <see cref="TryTake"/> succeed: a health change, a reload, a slot released.</summary>
    internal Task WaitForChangeAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource signal;
        lock (gate)
        {
            signal = changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        return signal.Task.WaitAsync(cancellationToken);
    }

    private void SignalChange()
    {
        if (Volatile.Read(ref changed) is not null)
        {
            Interlocked.Exchange(ref changed, null)?.TrySetResult();
        }
    }
}
