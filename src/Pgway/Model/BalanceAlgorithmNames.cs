using System.Collections.Frozen;

namespace Pgway.Model;

/// <summary>The names HAProxy and Pigsty write for each balance algorithm.</summary>
internal static class BalanceAlgorithmNames
{
    public static readonly FrozenDictionary<string, BalanceAlgorithm> ByName = new Dictionary<string, BalanceAlgorithm>
    {
        ["roundrobin"] = BalanceAlgorithm.RoundRobin,
        ["leastconn"] = BalanceAlgorithm.LeastConn,
        ["first"] = BalanceAlgorithm.First,
        ["source"] = BalanceAlgorithm.Source,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static string Name(this BalanceAlgorithm algorithm) => algorithm switch
    {
        BalanceAlgorithm.RoundRobin => "roundrobin",
        BalanceAlgorithm.LeastConn => "leastconn",
        BalanceAlgorithm.First => "first",
        BalanceAlgorithm.Source => "source",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };
}
