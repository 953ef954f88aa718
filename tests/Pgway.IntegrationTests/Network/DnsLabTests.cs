using System.Diagnostics;
using Pgway.IntegrationTests.Testing;
using Pgway.Testing;
using Pgway.Testing.Network;
using Xunit.Abstractions;

namespace Pgway.IntegrationTests.Network;

/// <summary>
/// pgway's DNS across real hosts (issue 22): every host's pgway gives the same answers; the client namespace, whose
/// resolver is the pgway nodes, reaches the primary by name; after the primary's host is killed, the primary names
/// answer the new primary. Each test starts from whoever leads and leaves the cluster healthy.
/// </summary>
[Collection(PatroniLab.Name)]
public sealed class DnsLabTests(PatroniLabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    // The names whose answers every node must agree on (A records, and the SRV of the primary service).
    private static readonly string[] Names =
    [
        "pg-test", "pg-test-1", "pg-test-2", "pg-test-3", "primary.pg-test", "replica.pg-test", "default.pg-test", "pg-test-entry",
        "primary.pg-test.service.consul", "master.pg-test.service.consul", "replica.pg-test.service.consul", "pg-test.service.consul",
    ];

    private MultiHostCluster Cluster => lab.Cluster;

    [NetworkFact]
    public async Task Dns_EveryNodeAnswersAlike_PsqlByNameFromTheClientReachesThePrimary()
    {
        var leader = await Cluster.WaitUntilPatroniHealthyAsync();
        // Not "every member but the leader" for the replica name: it names what the replica service uses, and after an
        // earlier test's failover that is the new leader (its /read-only passes, and the inventory still calls it a
        // replica) beside the streaming replicas, while the inventory's primary is a backup, unused while they are up.
        // The nodes are asked at once each round, so a member's state changing between two nodes' answers (a check
        // timing out on a loaded host) costs one round, not the comparison; what differed last is printed.
        var answers = new Dictionary<string, string>();
        var differences = new List<string>();
        await Eventually.HoldsAsync(async () =>
        {
            var everyNode = await Task.WhenAll(Cluster.Members.Select(m => AnswersAsync(m.Host)));
            answers = everyNode[0];
            differences.Clear();
            if (answers["primary.pg-test"] != leader.Host.Address.ToString() || answers["replica.pg-test"].Length == 0)
            {
                differences.Add($"{Cluster.Members[0].Host.Name}: primary.pg-test: {answers["primary.pg-test"]} (the leader is {leader.Host.Address}); replica.pg-test: {answers["replica.pg-test"]}");
            }
            for (var i = 1; i < everyNode.Length; i++)
            {
                var (other, host) = (everyNode[i], Cluster.Members[i].Host.Name);
                differences.AddRange(answers.Keys.Where(name => other[name] != answers[name])
                    .Select(name => $"{name}: {Cluster.Members[0].Host.Name} [{answers[name]}], {host} [{other[name]}]"));
            }
            return differences.Count == 0;
        }, Bound, () => $"{string.Join('\n', differences)}\n{string.Join('\n', answers.Select(a => $"{a.Key}: {a.Value}"))}\n{Cluster.DescribeLogs()}");
        Assert.Equal(PatroniLabFixture.Vip.ToString(), answers["pg-test"]);
        Assert.Equal(leader.Host.Address.ToString(), answers["primary.pg-test.service.consul"]);
        Assert.Equal(string.Join(',', Cluster.Members.Select(m => m.Host.Address.ToString()).Order(StringComparer.Ordinal)), answers["pg-test-entry"]);
        output.WriteLine(string.Join('\n', answers.Select(a => $"{a.Key}: {a.Value}")));

        await using var resolver = await ClientResolver.UseAsync(Cluster);
        foreach (var (host, port) in new[] { ("pg-test", MultiHostCluster.PrimaryServicePort), ("primary.pg-test", MultiHostCluster.PrimaryServicePort), ("primary.pg-test.service.consul", MultiHostCluster.PostgresPort) })
        {
            CommandResult? answer = null;
            await Eventually.HoldsAsync(
                async () => (answer = await Cluster.PsqlFromClientAsync(host, port, "SELECT pg_is_in_recovery(), inet_server_addr()")).Succeeded,
                Bound,
                () => $"{host}:{port}: {answer?.Describe()}");
            Assert.StartsWith("f|", answer!.StandardOutput.Trim(), StringComparison.Ordinal);
        }

        // replica.pg-test is the replica service's members, not "the servers in recovery": after an earlier test's
        // failover the new leader is one of them (Patroni's /read-only passes on a primary, and the inventory still
        // calls it a replica), as it is behind every node's :5434, so psql by that name lands on it about every other
        // time (each answer starts at another address). Consul's replica tag leaves the primary out: that name alone
        // must reach a server in recovery.
        for (var round = 0; round < 3; round++)
        {
            var replica = await Cluster.PsqlFromClientAsync("replica.pg-test", MultiHostCluster.PostgresPort, "SELECT pg_is_in_recovery(), inet_server_addr()");
            Assert.True(replica.Succeeded, replica.Describe());
            var (inRecovery, server) = Row(replica);
            Assert.Contains(server, answers["replica.pg-test"].Split(','));
            Assert.Equal(server == leader.Host.Address.ToString() ? "f" : "t", inRecovery);
            output.WriteLine($"psql replica.pg-test: {server} (in recovery: {inRecovery})");

            var consul = await Cluster.PsqlFromClientAsync("replica.pg-test.service.consul", MultiHostCluster.PostgresPort, "SELECT pg_is_in_recovery(), inet_server_addr()");
            Assert.True(consul.Succeeded, consul.Describe());
            (inRecovery, server) = Row(consul);
            Assert.Contains(server, answers["replica.pg-test.service.consul"].Split(','));
            Assert.Equal("t", inRecovery);
        }

        // Every node's :5433 reaches the primary, so pg-test-entry works whichever address comes first. libpq, given
        // target_session_attrs=read-write, tries the next host after a read-only one but not the next address of the
        // same name: for postgres' own port, list the instances' names as hosts instead.
        for (var round = 0; round < 3; round++)
        {
            var entry = await Cluster.PsqlFromClientAsync("pg-test-entry", MultiHostCluster.PrimaryServicePort, "SELECT pg_is_in_recovery()");
            Assert.True(entry.Succeeded, entry.Describe());
            Assert.Equal("f", entry.StandardOutput.Trim());
            var hosts = await Cluster.PsqlFromClientAsync("pg-test-1,pg-test-2,pg-test-3", MultiHostCluster.PostgresPort, "SELECT pg_is_in_recovery(), inet_server_addr()", "read-write");
            Assert.True(hosts.Succeeded, hosts.Describe());
            Assert.Equal($"f|{leader.Host.Address}", hosts.StandardOutput.Trim());
        }
    }

    [NetworkFact]
    public async Task Crash_PrimaryHostKilled_PrimaryNamesAnswerTheNewPrimary()
    {
        var old = await Cluster.WaitUntilPatroniHealthyAsync();
        var survivor = Cluster.Members.First(m => m != old);
        await Eventually.HoldsAsync(async () => await ARecordsAsync(survivor.Host, "primary.pg-test") == old.Host.Address.ToString(), Bound);

        await Cluster.KillHostAsync(old);
        var clock = Stopwatch.StartNew();
        try
        {
            var keyTask = Task.Run(async () =>
            {
                MultiHostMember? leader = null;
                await Eventually.HoldsAsync(async () => (leader = await Cluster.LeaderAsync()) is not null && leader != old, Bound, () => $"the leader key still names {old.Name} or nobody\n{Cluster.DescribeLogs()}");
                return (Leader: leader!, At: clock.Elapsed);
            });
            var dnsTask = Task.Run(async () =>
            {
                var answer = "";
                await Eventually.HoldsAsync(async () => (answer = await ARecordsAsync(survivor.Host, "primary.pg-test")) is { Length: > 0 } a && a != old.Host.Address.ToString(), Bound, () => $"primary.pg-test: {answer}");
                return (Answer: answer, At: clock.Elapsed);
            });
            var (leader, keyAt) = await keyTask;
            var (answer, dnsAt) = await dnsTask;
            output.WriteLine($"crash of {old.Host.Name}: leader key -> {leader.Name} at +{keyAt.TotalMilliseconds:0} ms; primary.pg-test answered {answer} at +{dnsAt.TotalMilliseconds:0} ms ({(dnsAt - keyAt).TotalMilliseconds:0} ms after the key, each read polled)");
            Assert.Equal(leader.Host.Address.ToString(), answer);
            foreach (var member in Cluster.Members.Where(m => m != old))
            {
                await Eventually.HoldsAsync(async () => await ARecordsAsync(member.Host, "primary.pg-test.service.consul") == leader.Host.Address.ToString(), Bound);
            }
        }
        finally
        {
            await Cluster.StartHostAsync(old);
        }
        await Cluster.WaitUntilPatroniHealthyAsync(TimeSpan.FromSeconds(60));
        await Cluster.WaitForPrimaryServiceAsync(old.Host);
    }

    private async Task<Dictionary<string, string>> AnswersAsync(NetworkHost server)
    {
        var answers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in Names)
        {
            answers[name] = await ARecordsAsync(server, name);
        }
        answers["_primary._tcp.pg-test"] = await DigAsync(server, "_primary._tcp.pg-test", "SRV");
        return answers;
    }

    // psql -At's "in recovery|server address" row.
    private static (string InRecovery, string Server) Row(CommandResult result)
    {
        var fields = result.StandardOutput.Trim().Split('|');
        Assert.True(fields.Length == 2, result.Describe());
        return (fields[0], fields[1]);
    }

    private Task<string> ARecordsAsync(NetworkHost server, string name) => DigAsync(server, name, "A");

    // dig from the client namespace: the answers' data, sorted and joined ("" for none).
    private async Task<string> DigAsync(NetworkHost server, string name, string type)
    {
        var result = await TestNetwork.RunAsync(Cluster.Network.Client, "dig", [$"@{server.Address}", "-p", "53", "+tries=1", "+time=2", "+short", name, type]);
        return string.Join(',', result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));
    }
}
