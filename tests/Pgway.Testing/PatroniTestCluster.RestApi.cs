using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Pgway.Testing;

// Asking Patroni's REST API, and waiting for the cluster to reach a state by asking it.
internal sealed partial class PatroniTestCluster
{
    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Sends <paramref name="method"/> (GET by default; HEAD and OPTIONS as HAProxy does) for
    /// <paramref name="pathAndQuery"/> (e.g. <c>/replica?lag=1MB&amp;tag_zone=b</c>) to <paramref name="node"/>'s REST
    /// API and returns what it answered.
    /// </summary>
    /// <exception cref="HttpRequestException">The REST API does not answer (Patroni is down).</exception>
    public async Task<PatroniApiResponse> QueryRestApiAsync(
        PatroniNode node,
        string pathAndQuery,
        HttpMethod? method = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pathAndQuery);
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, new Uri(Own(node).RestApiUrl, pathAndQuery));
        return await SendAsync(request, s_requestTimeout, cancellationToken);
    }

    /// <summary>
    /// The leader as the DCS sees it: the member with role <c>leader</c> in <c>GET /cluster</c> of the first node that
    /// answers, or null when there is none. After a leader dies it stays the leader here until its lock expires.
    /// </summary>
    public async Task<PatroniNode?> LeaderAsync(CancellationToken cancellationToken = default)
    {
        foreach (var node in RunningNodes())
        {
            if (await TryQueryAsync(node, "/cluster", cancellationToken) is not { StatusCode: HttpStatusCode.OK } answer)
            {
                continue;
            }

            var leader = (answer.Json?["members"] as JsonArray ?? [])
                .FirstOrDefault(member => member?["role"]?.GetValue<string>() is "leader" or "standby_leader");
            return leader?["name"]?.GetValue<string>() is { } name ? Node(name) : null;
        }

        return null;
    }

    /// <summary>
    /// Returns the leader once exactly one node answers <c>GET /primary</c> with 200 (and, when
    /// <paramref name="expected"/> is given, it is that node) and that node's postgres has left recovery, so it
    /// takes writes: Patroni answers 200 as soon as it holds the leader lock, while a promotion is still under way.
    /// Waits at most <paramref name="timeout"/> (default <see cref="OperationTimeout"/>), then throws a
    /// <see cref="TimeoutException"/> with the logs.
    /// </summary>
    public async Task<PatroniNode> WaitForLeaderAsync(PatroniNode? expected = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (expected is not null)
        {
            Own(expected);
        }

        PatroniNode? leader = null;
        var writable = false;
        var leaders = new List<string>();
        await Wait.UntilAsync(
            async token =>
            {
                ThrowIfAnyPatroniDied();
                leaders.Clear();
                foreach (var node in RunningNodes())
                {
                    if (await TryQueryAsync(node, "/primary", token) is { StatusCode: HttpStatusCode.OK } answer)
                    {
                        leaders.Add($"{node.Name} (role {answer.Role})");
                        leader = node;
                        writable = IsWritable(answer);
                    }
                }

                return leaders.Count == 1 && writable && (expected is null || leader == expected);
            },
            timeout ?? OperationTimeout,
            () => DescribeFailure(
                $"Waited for {expected?.Name ?? "one leader"}; nodes answering /primary with 200: [{string.Join(", ", leaders)}]."),
            cancellationToken);
        return leader!;
    }

    /// <summary>
    /// Returns once every running node's REST API answers, exactly one answers <c>/primary</c> with 200, every
    /// other running node is a running replica whose walreceiver streams from that leader (its
    /// <c>replication</c> list says so), and, in synchronous mode, the DCS names a synchronous standby.
    /// </summary>
    public async Task WaitUntilHealthyAsync(CancellationToken cancellationToken = default)
    {
        var state = "no node asked yet";
        await Wait.UntilAsync(
            async token =>
            {
                ThrowIfAnyPatroniDied();
                (var healthy, state) = await CheckHealthAsync(token);
                return healthy;
            },
            OperationTimeout,
            () => DescribeFailure($"The cluster did not become healthy: {state}."),
            cancellationToken);
    }

    private async Task<(bool Healthy, string State)> CheckHealthAsync(CancellationToken cancellationToken)
    {
        var running = RunningNodes();
        var leaders = new List<(PatroniNode Node, PatroniApiResponse Answer)>();
        foreach (var node in running)
        {
            var answer = await TryQueryAsync(node, "/primary", cancellationToken);
            if (answer is null)
            {
                return (false, $"{node.Name}'s REST API does not answer");
            }

            if (answer.StatusCode == HttpStatusCode.OK)
            {
                leaders.Add((node, answer));
            }
        }

        if (leaders.Count != 1)
        {
            return (false, $"{leaders.Count} nodes answer /primary with 200");
        }

        var (leader, primary) = leaders[0];
        if (!IsWritable(primary))
        {
            return (false, $"{leader.Name} holds the leader lock but its postgres is still in recovery");
        }

        var streaming = (primary.Json?["replication"] as JsonArray ?? [])
            .Where(entry => entry?["state"]?.GetValue<string>() == "streaming")
            .Select(entry => entry?["application_name"]?.GetValue<string>())
            .ToHashSet(StringComparer.Ordinal);
        foreach (var replica in running.Where(node => node != leader))
        {
            if (!streaming.Contains(replica.Name))
            {
                return (false, $"{replica.Name} does not stream from {leader.Name} (streaming: [{string.Join(", ", streaming)}])");
            }

            var health = await TryQueryAsync(replica, "/health", cancellationToken);
            if (health is not { StatusCode: HttpStatusCode.OK, Role: "replica" })
            {
                return (false, $"{replica.Name} answers /health with {health?.ToString() ?? "nothing"}");
            }
        }

        if (Options.SynchronousMode && running.Any(node => node != leader && !IsTagged(node, "nosync")))
        {
            var cluster = await TryQueryAsync(leader, "/cluster", cancellationToken);
            var roles = (cluster?.Json?["members"] as JsonArray ?? []).Select(member => member?["role"]?.GetValue<string>());
            if (!roles.Contains("sync_standby"))
            {
                return (false, "no synchronous standby yet");
            }
        }

        return (true, "healthy");
    }

    /// <summary>GET without throwing: null when the REST API does not answer in time.</summary>
    private async Task<PatroniApiResponse?> TryQueryAsync(PatroniNode node, string pathAndQuery, CancellationToken cancellationToken)
    {
        try
        {
            return await QueryRestApiAsync(node, pathAndQuery, cancellationToken: cancellationToken);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private async Task<PatroniApiResponse> PostAsync(PatroniNode node, string path, JsonObject body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Patroni's HTTP/1.0 server wants a Content-Length, which a streamed JsonContent does not send.
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(node.RestApiUrl, path)) { Content = content };
        return await SendAsync(request, timeout, cancellationToken);
    }

    private async Task<PatroniApiResponse> SendAsync(HttpRequestMessage request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await _http.SendAsync(request, deadline.Token);
            return new PatroniApiResponse(response.StatusCode, await response.Content.ReadAsStringAsync(deadline.Token));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{request.Method} {request.RequestUri} got no answer within {timeout.TotalSeconds:0.#} s.");
        }
    }

    /// <summary>The body's role comes from <c>pg_is_in_recovery()</c>: <c>master</c> (Patroni 3.0) or <c>primary</c> once it is false.</summary>
    private static bool IsWritable(PatroniApiResponse answer) => answer.Role is "master" or "primary";

    private static bool IsTagged(PatroniNode node, string tag) => node.Tags.TryGetValue(tag, out var value) && value is true;
}
