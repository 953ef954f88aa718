using System.Text.Json.Serialization;

namespace Pgway.Switchover;

/// <summary>A switchover's result as the admin endpoint's <c>POST /switchover</c> answers it (camelCase), read back by <c>pgway switchover</c>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SwitchoverResult))]
internal sealed partial class SwitchoverJsonContext : JsonSerializerContext;
