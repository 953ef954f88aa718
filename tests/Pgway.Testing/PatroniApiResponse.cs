using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pgway.Testing;

/// <summary>What a Patroni REST API endpoint answered: the status code and the body (empty for HEAD and OPTIONS).</summary>
internal sealed record PatroniApiResponse(HttpStatusCode StatusCode, string Body)
{
    /// <summary>The body parsed as JSON, or null when it is empty or not JSON.</summary>
    public JsonNode? Json
    {
        get
        {
            try
            {
                return Body.Length == 0 ? null : JsonNode.Parse(Body);
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>The body's <c>role</c>: <c>master</c> (as Patroni 3.0 says; later versions say <c>primary</c>), <c>replica</c>, <c>standby_leader</c>…</summary>
    public string? Role => Json?["role"]?.GetValue<string>();

    /// <inheritdoc/>
    public override string ToString() => $"{(int)StatusCode} {Body}";
}
