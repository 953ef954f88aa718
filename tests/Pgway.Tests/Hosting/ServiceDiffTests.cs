using Pgway.Hosting;
using Pgway.Model;

namespace Pgway.Tests.Hosting;

public class ServiceDiffTests
{
    // Two services of one cluster; each case edits one thing.
    private static string Inventory(string hosts = "", string ro = "", string extra = "", string preamble = "") => $$"""
        {{preamble}}all:
          children:
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
                10.10.10.12: { pg_seq: 2, pg_role: replica }
                {{hosts}}
              vars:
                pg_cluster: pg-test
                pg_default_services: []
                pg_services:
                  - { name: rw, port: 5433, selector: "[? pg_role == `primary`]", check: /primary }
                  - { name: ro, port: 5434, selector: "[]", check: /read-only{{ro}} }
                  {{extra}}
        """;

    private static IEnumerable<Service> Services(string yaml) => TestInventories.LoadValid(yaml).Clusters.SelectMany(c => c.Services);

    public static TheoryData<string, string, string[], string[], string[]> Edits => new()
    {
        // What changed, the inventory after, then the services added, removed and changed.
        { "nothing but the lines", Inventory(preamble: "# a comment moves every line down\n\n"), [], [], [] },
        { "a service added", Inventory(extra: "- { name: offline, port: 5438, selector: \"[]\", check: /replica }"), ["pg-test-offline"], [], [] },
        { "a member added", Inventory(hosts: "10.10.10.13: { pg_seq: 3, pg_role: replica }"), [], [], ["pg-test-ro"] },
        { "a weight changed", Inventory(hosts: "").Replace("pg_role: replica }", "pg_role: replica, pg_weight: 50 }", StringComparison.Ordinal), [], [], ["pg-test-ro"] },
        { "options changed", Inventory(ro: ", options: \"inter 1s rise 3\""), [], [], ["pg-test-ro"] },
        { "balance changed", Inventory(ro: ", balance: leastconn"), [], [], ["pg-test-ro"] },
        { "the port moved", Inventory().Replace("port: 5434", "port: 5444", StringComparison.Ordinal), ["pg-test-ro"], ["pg-test-ro"], [] },
        { "a service removed", Inventory().Replace("- { name: rw, port: 5433, selector: \"[? pg_role == `primary`]\", check: /primary }", "", StringComparison.Ordinal), [], ["pg-test-rw"], [] },
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void Between_Edit_ServicesAddedRemovedChanged(string edit, string after, string[] added, string[] removed, string[] changed)
    {
        var diff = ServiceDiff.Between(Services(Inventory()), Services(after));

        Assert.True(added.SequenceEqual(diff.Added.Select(s => s.FullName)), $"{edit}: added {string.Join(",", diff.Added.Select(s => s.FullName))}");
        Assert.True(removed.SequenceEqual(diff.Removed.Select(s => s.FullName)), $"{edit}: removed {string.Join(",", diff.Removed.Select(s => s.FullName))}");
        Assert.True(changed.SequenceEqual(diff.Changed.Select(c => c.After.FullName)), $"{edit}: changed {string.Join(",", diff.Changed)}");
        Assert.Equal(added.Length == 0 && removed.Length == 0 && changed.Length == 0, diff.IsEmpty);
    }

    [Fact]
    public void Between_MembersEdited_NamesEachMemberChange()
    {
        var before = Inventory(hosts: "10.10.10.13: { pg_seq: 3, pg_role: replica }");
        var after = Inventory(hosts: "10.10.10.14: { pg_seq: 4, pg_role: replica }")
            .Replace("10.10.10.12: { pg_seq: 2, pg_role: replica }", "10.10.10.12: { pg_seq: 2, pg_role: replica, pg_weight: 10 }", StringComparison.Ordinal);

        var change = Assert.Single(ServiceDiff.Between(Services(before), Services(after)).Changed);

        Assert.Equal("pg-test-ro", change.After.FullName);
        Assert.Equal(["pg-test-4"], change.MembersAdded.ToArray());
        Assert.Equal(["pg-test-3"], change.MembersRemoved.ToArray());
        Assert.Equal(["pg-test-2"], change.MembersChanged.ToArray());
        Assert.False(change.SettingsChanged);
    }

    [Fact]
    public void Between_Unchanged_KeepsTheServicesInUse()
    {
        var before = Services(Inventory()).ToList();

        var diff = ServiceDiff.Between(before, Services(Inventory(preamble: "\n")));

        Assert.Equal(before.Count, diff.Unchanged.Length);
        Assert.All(diff.Unchanged, s => Assert.Contains(before, b => ReferenceEquals(b, s)));
    }
}
