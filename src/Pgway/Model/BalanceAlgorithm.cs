namespace Pgway.Model;

/// <summary>HAProxy's balance algorithms that pgway implements.</summary>
public enum BalanceAlgorithm
{
    RoundRobin,
    LeastConn,
    First,
    Source,
}
