using System.Globalization;
using System.Text;

namespace Pgway.Bench.Vip;

/// <summary>The table the bench prints: each round, then medians and maxima per stack and the ratios pgway / vip-manager+HAProxy.</summary>
internal static class Report
{
    private static readonly (string Name, Func<StackTimes, TimeSpan?> Of)[] s_measures =
    [
        ("ARP reply from the new host", times => times.Arp),
        ("TCP connect to VIP:5433 reaches it", times => times.Tcp),
        ("first write through VIP:5433", times => times.Write),
    ];

    public static string Render(IReadOnlyList<RoundResult> rounds)
    {
        var text = new StringBuilder();
        text.AppendLine("ms from the leader-key write; pgway = VIP .2 kept by pgway serve; vip-manager = VIP .3 kept by vip-manager 1.0.2, HAProxy behind it");
        text.AppendLine("round  change              etcd v3/v2 ack   pgway arp/tcp/write      vip-manager arp/tcp/write");
        foreach (var round in rounds)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{round.Round,5}  {round.From + " -> " + round.To,-18}  {Ms(round.V3Ack),6} /{Ms(round.V2Ack),6}   {Triple(round.Pgway),-23}  {Triple(round.VipManager)}");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"over " + rounds.Count + " rounds",-36}  {"pgway median (max)",-20}  {"vip-manager median (max)",-24}  ratio of medians  pgway ahead");
        foreach (var (name, of) in s_measures)
        {
            var pgway = rounds.Select(round => of(round.Pgway)).ToList();
            var vipManager = rounds.Select(round => of(round.VipManager)).ToList();
            var ahead = rounds.Count(round => of(round.Pgway) is { } p && (of(round.VipManager) is not { } v || p < v));
            var ratio = Median(pgway) is { } p && Median(vipManager) is { } v && v > TimeSpan.Zero
                ? (p / v).ToString("0.00", CultureInfo.InvariantCulture)
                : "-";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{name,-36}  {Summary(pgway),-20}  {Summary(vipManager),-24}  {ratio,16}  {ahead}/{rounds.Count}");
        }

        var within = rounds.Count(round => round.Pgway.Tcp is { } tcp && tcp <= TimeSpan.FromSeconds(1));
        text.AppendLine(CultureInfo.InvariantCulture, $"pgway's VIP reachable (TCP) within 1 s of the leader change: {within}/{rounds.Count} rounds");
        return text.ToString();
    }

    public static string Tsv(IReadOnlyList<RoundResult> rounds)
    {
        var text = new StringBuilder("round\tfrom\tto\tv3_ack_ms\tv2_ack_ms\tpgway_arp_ms\tpgway_tcp_ms\tpgway_write_ms\tvm_arp_ms\tvm_tcp_ms\tvm_write_ms\n");
        foreach (var round in rounds)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{round.Round}\t{round.From}\t{round.To}\t{Ms(round.V3Ack)}\t{Ms(round.V2Ack)}\t{Ms(round.Pgway.Arp)}\t{Ms(round.Pgway.Tcp)}\t{Ms(round.Pgway.Write)}\t{Ms(round.VipManager.Arp)}\t{Ms(round.VipManager.Tcp)}\t{Ms(round.VipManager.Write)}");
        }

        return text.ToString();
    }

    private static string Triple(StackTimes times) => $"{Ms(times.Arp)}/{Ms(times.Tcp)}/{Ms(times.Write)}";

    private static string Summary(List<TimeSpan?> values) =>
        Median(values) is { } median ? $"{Ms(median)} ({(values.Contains(null) ? "timeout" : Ms(values.Max()))})" : "-";

    /// <summary>The median of the rounds, a timed-out round counting as slower than any other; null when half or more timed out.</summary>
    private static TimeSpan? Median(List<TimeSpan?> values)
    {
        var sorted = values.OrderBy(value => value ?? TimeSpan.MaxValue).ToList();
        if (sorted.Count == 0)
        {
            return null;
        }

        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1
            ? sorted[middle]
            : sorted[middle - 1] is { } low && sorted[middle] is { } high ? (low + high) / 2 : null;
    }

    private static string Ms(TimeSpan? value) =>
        value is { } time ? time.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) : "timeout";
}
