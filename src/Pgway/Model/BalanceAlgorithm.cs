namespace Pgway.Model;

/// <summary>HAProxy's balance algorithms that pgway implements.</summary>
internal enum BalanceAlgorithm
{
    RoundRobin,
    LeastConn,
    First,
    Source,
}
