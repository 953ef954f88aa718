using Pgway.Protocol;

namespace Pgway.Pooling;

/// <summary>A server connection after log-in: what the server reported, and its key for cancel requests.</summary>
internal sealed record ServerLoginResult(
    IReadOnlyDictionary<string, string> Parameters,
    int ProcessId,
    byte[] SecretKey,
    TransactionStatus Status);
