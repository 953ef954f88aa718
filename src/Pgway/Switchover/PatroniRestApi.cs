using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pgway.Model;

namespace Pgway.Switchover;

/// <summary>
/// Talking to an instance's Patroni REST API (on <c>patroni_port</c>, https with <c>patroni_ssl_enabled</c>). Its
/// basic auth is Pigsty's <c>patroni_username</c> / <c>patroni_password</c> (defaults <c>postgres</c> /
/// <c>Patroni.API</c>), sent always: a Patroni without authentication ignores it.
/// </summary>
internal static class PatroniRestApi
{
    public const string DefaultUsername = "postgres";
    public const string DefaultPassword = "Patroni.API";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public static Uri Url(Instance instance, string path)
    {
        ArgumentNullException.ThrowIfNull(instance);
        // patroni_ssl_enabled: the CA file is set exactly when the REST API speaks HTTPS.
        var scheme = instance.PatroniCaFile is not null ? "https" : "http";
        var host = IPAddress.TryParse(instance.Address, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{instance.Address}]" : instance.Address;
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"{scheme}://{host}:{instance.PatroniPort}{path}"));
    }

    public static AuthenticationHeaderValue Authorization(Instance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var user = instance.Logins.PatroniUser ?? DefaultUsername;
        var password = instance.Logins.PatroniPassword ?? DefaultPassword;
        return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
    }

    /// <summary>
    /// Returns once the instance's <c>/primary</c> answers 200 with role <c>master</c> (Patroni 3.0) or <c>primary</c>:
    /// Patroni answers 200 as soon as it holds the leader key, while its postgres may still be promoting.
    /// </summary>
    /// <exception cref="OperationCanceledException">Not writable before <paramref name="cancellationToken"/> ended the wait.</exception>
    public static async Task WaitWritableAsync(HttpClient http, Instance leader, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var url = Url(leader, "/primary");
        while (true)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.Authorization = Authorization(leader);
                using var response = await http.SendAsync(request, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK
                    && Role(await response.Content.ReadAsStringAsync(cancellationToken)) is "master" or "primary")
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // A REST API restarting or busy: asked again.
            }
            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }

    private static string? Role(string json)
    {
        try
        {
            return JsonNode.Parse(json)?["role"]?.GetValue<string>();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
