using System.Collections.Immutable;
using Pgway.Model;

namespace Pgway.Hosting;

/// <summary>
/// What a reload changes among the services of the hosted clusters. A service is known by its full
/// name, bind address and port: one that moved to another address or port is removed and added.
/// Where a setting is written in the file (its line) is no change.
/// </summary>
internal sealed record ServiceDiff(
    ImmutableArray<Service> Added,
    ImmutableArray<Service> Removed,
    ImmutableArray<ServiceChange> Changed,
    ImmutableArray<Service> Unchanged)
{
    public bool IsEmpty => Added.IsEmpty && Removed.IsEmpty && Changed.IsEmpty;

    /// <summary>The difference from <paramref name="before"/> to <paramref name="after"/>; unchanged services are the ones of <paramref name="before"/>.</summary>
    public static ServiceDiff Between(IEnumerable<Service> before, IEnumerable<Service> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var old = before.ToDictionary(Key);
        var added = ImmutableArray.CreateBuilder<Service>();
        var changed = ImmutableArray.CreateBuilder<ServiceChange>();
        var unchanged = ImmutableArray.CreateBuilder<Service>();
        var kept = new HashSet<(string, string, int)>();
        foreach (var next in after)
        {
            if (!old.TryGetValue(Key(next), out var current))
            {
                added.Add(next);
                continue;
            }
            kept.Add(Key(next));
            if (Compare(current, next) is { } change)
            {
                changed.Add(change);
            }
            else
            {
                unchanged.Add(current);
            }
        }
        return new ServiceDiff(added.ToImmutable(), [.. old.Values.Where(s => !kept.Contains(Key(s)))], changed.ToImmutable(), unchanged.ToImmutable());
    }

    private static (string, string, int) Key(Service service) => (service.FullName, service.Bind, service.Port);

    // Null when nothing routing or checking depends on differs.
    private static ServiceChange? Compare(Service before, Service after)
    {
        var settingsChanged = Settings(before) != Settings(after);
        var beforeMembers = before.Members.ToDictionary(m => m.Name);
        var afterMembers = after.Members.ToDictionary(m => m.Name);
        ImmutableArray<string> membersAdded = [.. after.Members.Where(m => !beforeMembers.ContainsKey(m.Name)).Select(m => m.Name)];
        ImmutableArray<string> membersRemoved = [.. before.Members.Where(m => !afterMembers.ContainsKey(m.Name)).Select(m => m.Name)];
        ImmutableArray<string> membersChanged = [.. after.Members.Where(m => beforeMembers.TryGetValue(m.Name, out var b) && MemberKey(b) != MemberKey(m)).Select(m => m.Name)];
        // The same members in another order balance differently (first, round robin's start).
        var reordered = !before.Members.Select(m => m.Name).Where(afterMembers.ContainsKey)
            .SequenceEqual(after.Members.Select(m => m.Name).Where(beforeMembers.ContainsKey));
        return settingsChanged || reordered || membersAdded.Length > 0 || membersRemoved.Length > 0 || membersChanged.Length > 0
            ? new ServiceChange(before, after, membersAdded, membersRemoved, membersChanged, settingsChanged || reordered)
            : null;
    }

    // The service's own settings, without its members and its place in the file.
    private static Service Settings(Service service) => service with { Members = [], Location = default };

    private static (string Address, int PgPort, bool IsBackup, int Port, int? CheckPort, int Weight) MemberKey(ServiceMember member) =>
        (member.Instance.Address, member.Instance.PgPort, member.IsBackup, member.Port, member.CheckPort, member.Weight);
}
