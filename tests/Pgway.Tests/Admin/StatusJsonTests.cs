using System.Text.Json;
using Pgway.Admin;

namespace Pgway.Tests.Admin;

/// <summary>The shape of /status.json: what the stats page's script and `pgway status` read.</summary>
public sealed class StatusJsonTests
{
    private static readonly string Json = JsonSerializer.Serialize(StatusSamples.Report(), StatusJsonContext.Default.StatusReport);

    [Theory]
    [InlineData("generatedAt")]
    [InlineData("services")]
    [InlineData("poolers")]
    [InlineData("events")]
    public void Serialize_Report_CamelCaseTopLevel(string property)
    {
        using var document = JsonDocument.Parse(Json);

        Assert.True(document.RootElement.TryGetProperty(property, out _), Json);
    }

    [Fact]
    public void Serialize_Report_NestedFieldsCamelCase()
    {
        using var document = JsonDocument.Parse(Json);
        var root = document.RootElement;
        var service = root.GetProperty("services")[0];
        var member = service.GetProperty("members")[0];
        var pool = root.GetProperty("poolers")[0].GetProperty("pools")[0];
        var change = root.GetProperty("events")[0];

        Assert.Equal(("pg-test-replica", 5434, "pgbouncer", true), (service.GetProperty("name").GetString(), service.GetProperty("port").GetInt32(),
            service.GetProperty("destination").GetString(), service.GetProperty("up").GetBoolean()));
        Assert.Equal(300, service.GetProperty("secondsInState").GetDouble());
        Assert.Equal(("pg-test-2", "down", "DOWN", false, false), (member.GetProperty("name").GetString(), member.GetProperty("state").GetString(),
            member.GetProperty("status").GetString(), member.GetProperty("up").GetBoolean(), member.GetProperty("backup").GetBoolean()));
        Assert.Equal(("L4CON", JsonValueKind.Null, 1.4), (member.GetProperty("check").GetProperty("reason").GetString(),
            member.GetProperty("check").GetProperty("code").ValueKind, member.GetProperty("check").GetProperty("durationMs").GetDouble()));
        Assert.Equal((2, 1, 300.0), (pool.GetProperty("clientsActive").GetInt32(), pool.GetProperty("clientsWaiting").GetInt32(), pool.GetProperty("avgTransactionMs").GetDouble()));
        Assert.Equal((1, "down"), (change.GetProperty("id").GetInt32(), change.GetProperty("to").GetString()));
    }

    [Fact]
    public void Serialize_MemberWithoutCheck_CheckNull()
    {
        using var document = JsonDocument.Parse(Json);

        var member = document.RootElement.GetProperty("services")[1].GetProperty("members")[0];

        Assert.Equal(JsonValueKind.Null, member.GetProperty("check").ValueKind);
    }

    [Fact]
    public void Deserialize_Serialized_SameDocument()
    {
        var read = JsonSerializer.Deserialize(Json, StatusJsonContext.Default.StatusReport);

        Assert.NotNull(read);
        Assert.Equal(Json, JsonSerializer.Serialize(read, StatusJsonContext.Default.StatusReport));
    }
}
