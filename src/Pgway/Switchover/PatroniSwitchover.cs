using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Pgway.Model;

namespace Pgway.Switchover;

/// <summary>
/// A switchover by Patroni: <c>POST /switchover</c> to the leader's REST API (as <c>patronictl switchover</c>
/// does), which answers once the new leader holds the key; then the new leader's <c>/primary</c> is asked until
/// its postgres has left recovery, so no held transaction is sent to a server still promoting.
/// </summary>
internal sealed class PatroniSwitchover(HttpClient http, TimeProvider time, TimeSpan timeout) : ISwitchoverMethod
{
    public string Name => "patroni";

    public async Task<Instance> SwitchAsync(Cluster cluster, Instance primary, Instance? candidate, SwitchoverSteps steps, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(steps);
        var body = new JsonObject { ["leader"] = primary.Name };
        if (candidate is not null)
        {
            body["candidate"] = candidate.Name;
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var url = PatroniRestApi.Url(primary, "/switchover");
        string text;
        HttpStatusCode status;
        try
        {
            // Patroni's HTTP/1.0 server wants a Content-Length: a string body has one.
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
            request.Headers.Authorization = PatroniRestApi.Authorization(primary);
            using var response = await http.SendAsync(request, deadline.Token);
            status = response.StatusCode;
            text = (await response.Content.ReadAsStringAsync(deadline.Token)).Trim();
        }
        catch (HttpRequestException e)
        {
            throw new SwitchoverException($"Patroni's REST API at {url} cannot be reached: {e.Message}; nothing was switched");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SwitchoverException($"Patroni's REST API at {url} did not answer within {timeout.TotalSeconds:0} s; check `patronictl list` (the switchover may still happen)");
        }
        if (status != HttpStatusCode.OK)
        {
            throw new SwitchoverException($"Patroni refused the switchover ({(int)status}): {text}");
        }
        var next = candidate ?? NamedIn(cluster, text) ?? throw new SwitchoverException($"Patroni switched over but named no new leader: {text}");
        steps.Add("patroni", $"POST {url}: {text}");
        await WaitWritableAsync(next, deadline.Token, cancellationToken);
        steps.Add("promoted", $"{next.Name}'s postgres takes writes");
        return next;
    }

    // Patroni holds the key before its postgres has finished promoting: held transactions wait for that.
    private async Task WaitWritableAsync(Instance leader, CancellationToken deadline, CancellationToken cancellationToken)
    {
        try
        {
            await PatroniRestApi.WaitWritableAsync(http, leader, time, deadline);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SwitchoverException($"Patroni made {leader.Name} the leader, but its postgres did not take writes within {timeout.TotalSeconds:0} s ({PatroniRestApi.Url(leader, "/primary")}); the hold ends and the checks decide");
        }
    }

    // "Successfully switched over to "pg-test-2"": the quoted name.
    private static Instance? NamedIn(Cluster cluster, string text)
    {
        var start = text.IndexOf('"', StringComparison.Ordinal);
        var end = start < 0 ? -1 : text.IndexOf('"', start + 1);
        var name = end > start ? text[(start + 1)..end] : null;
        return cluster.Instances.FirstOrDefault(i => i.Name == name);
    }
}
