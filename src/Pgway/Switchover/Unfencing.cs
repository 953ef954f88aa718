using Npgsql;
using Pgway.Model;

namespace Pgway.Switchover;

/// <summary>
/// Clearing a fence an operator asks for. An instance that is not in recovery becomes a writable primary
/// again when unfenced, so that is refused while another instance of its cluster is a primary — or might
/// be: one that cannot be asked counts as one — unless forced. A fenced instance rebuilt as a replica (in
/// recovery) is unfenced whatever the others are. The fence is cleared in the instance itself (see
/// <see cref="ServerFence"/>); an instance that cannot be reached keeps it, unless forced (then only this
/// pgway's own fence goes, and the instance's stays until it is cleared there).
/// </summary>
internal static class Unfencing
{
    /// <summary>Null when the fence may go (and is gone from the instance, where it was there); else why not.</summary>
    /// <param name="fencedHere">This pgway fences it in routing (its own switchover did).</param>
    /// <param name="open">Opens an admin connection to an instance.</param>
    public static async Task<string?> ClearAsync(
        Cluster cluster, Instance member, bool force, bool fencedHere,
        Func<Instance, CancellationToken, Task<NpgsqlConnection>> open, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(open);
        NpgsqlConnection connection;
        ServerFence.State self;
        try
        {
            connection = await open(member, cancellationToken);
            self = await ServerFence.ReadAsync(connection, cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return force && fencedHere ? null
                : fencedHere ? $"cannot reach {member.Name} to clear the fence kept in its own configuration ({e.Message}); force clears only this pgway's"
                : $"{member.Name} is not fenced in this pgway, and cannot be reached to clear a fence in its own configuration ({e.Message})";
        }
        await using (connection)
        {
            if (self.Fence is null && !fencedHere)
            {
                return $"{member.Name} is not fenced";
            }
            if (!self.InRecovery && !force && await OtherPrimaryAsync(cluster, member, open, cancellationToken) is { } other)
            {
                return other;
            }
            if (self.Fence is not null)
            {
                await ServerFence.ClearAsync(connection, cancellationToken);
            }
            return null;
        }
    }

    // Why another instance of the cluster is, or may be, a primary; null when none is.
    private static async Task<string?> OtherPrimaryAsync(
        Cluster cluster, Instance member, Func<Instance, CancellationToken, Task<NpgsqlConnection>> open, CancellationToken cancellationToken)
    {
        foreach (var other in cluster.Instances.Where(i => i != member))
        {
            try
            {
                await using var connection = await open(other, cancellationToken);
                var state = await ServerFence.ReadAsync(connection, cancellationToken);
                if (!state.InRecovery && state.Fence is null)
                {
                    return $"refused: {other.Name} is a primary of {cluster.Name} (not in recovery, not fenced), and {member.Name} is not in recovery either: " +
                        $"unfenced, it would be a second primary. Rebuild {member.Name} as a replica of {other.Name} first (its fence then goes by itself), or force";
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return $"refused: cannot tell whether {other.Name} is a primary ({e.Message}); unfenced, {member.Name} could be a second one. Force if you know {other.Name} is not";
            }
        }
        return null;
    }
}
