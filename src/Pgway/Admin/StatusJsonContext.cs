using System.Text.Json.Serialization;

namespace Pgway.Admin;

/// <summary>The status document's JSON, generated at build time (no reflection): camelCase, as <c>/status.json</c> serves it.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StatusReport))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
