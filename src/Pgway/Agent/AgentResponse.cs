namespace Pgway.Agent;

/// <summary>What the agent answers: a status code and, for GET, Patroni's JSON body.</summary>
internal sealed record AgentResponse(int StatusCode, ReadOnlyMemory<byte> Body)
{
    public bool HasBody => !Body.IsEmpty;
}
