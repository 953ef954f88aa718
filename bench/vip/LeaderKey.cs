using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Serialization;
using Pgway.Testing.Network;

namespace Pgway.Bench.Vip;

/// <summary>
/// Plays Patroni's part in etcd: writes and deletes the cluster's leader key, <c>/pg/pg-test/leader</c>, in both
/// of etcd's key spaces at once: the v3 one pgway watches (Patroni's <c>etcd3</c>) and the v2 one Debian's
/// vip-manager 1.0.2 reads (its etcd client speaks only the v2 keys API, as Patroni's <c>etcd</c> did). The two
/// requests go out together over connections opened from the client namespace, so neither stack is told first.
/// </summary>
internal sealed class LeaderKey : IDisposable
{
    public const string Key = "/pg/" + MultiHostCluster.ClusterName + "/leader";

    private readonly HttpClient _http;
    private readonly Uri _endpoint;

    public LeaderKey(TestNetwork network, string endpoint)
    {
        _endpoint = new Uri("http://" + endpoint);
        _http = new HttpClient(new SocketsHttpHandler
        {
            // The bench runs in the root namespace, which has no way onto the segment: connect from the client's.
            ConnectCallback = async (context, token) =>
            {
                var address = IPAddress.Parse(context.DnsEndPoint.Host);
                var socket = await NetnsSocket.ConnectAsync(network.Client, new IPEndPoint(address, context.DnsEndPoint.Port), token);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
        })
        {
            Timeout = TimeSpan.FromSeconds(5),
        };
    }

    /// <summary>Writes <paramref name="member"/> into both key spaces; returns when each was acknowledged, from <paramref name="clock"/>'s start.</summary>
    public async Task<(TimeSpan V3, TimeSpan V2)> PutAsync(string member, Stopwatch clock, CancellationToken cancellationToken)
    {
        var v3 = TimedAsync(clock, () => _http.PostAsJsonAsync(new Uri(_endpoint, "/v3/kv/put"), new V3Put(Base64(Key), Base64(member)), cancellationToken));
        var v2 = TimedAsync(clock, () => _http.PutAsync(new Uri(_endpoint, "/v2/keys" + Key), new FormUrlEncodedContent([new("value", member)]), cancellationToken));
        return (await v3, await v2);
    }

    /// <summary>Deletes the key in both spaces, as the end of the old leader's lease does.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken)
    {
        using var v3 = await _http.PostAsJsonAsync(new Uri(_endpoint, "/v3/kv/deleterange"), new V3Delete(Base64(Key)), cancellationToken);
        v3.EnsureSuccessStatusCode();
        using var v2 = await _http.DeleteAsync(new Uri(_endpoint, "/v2/keys" + Key), cancellationToken);

        // 404: there was no v2 key (the first round's leader was written only through v3 by nobody).
        if (v2.StatusCode != HttpStatusCode.NotFound)
        {
            v2.EnsureSuccessStatusCode();
        }
    }

    public void Dispose() => _http.Dispose();

    private static async Task<TimeSpan> TimedAsync(Stopwatch clock, Func<Task<HttpResponseMessage>> send)
    {
        using var response = await send();
        var elapsed = clock.Elapsed;
        response.EnsureSuccessStatusCode();
        return elapsed;
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private sealed record V3Put([property: JsonPropertyName("key")] string Key, [property: JsonPropertyName("value")] string Value);

    private sealed record V3Delete([property: JsonPropertyName("key")] string Key);
}
