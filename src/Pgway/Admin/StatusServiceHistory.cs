namespace Pgway.Admin;

/// <summary>
/// A service's last minutes, one sample per <see cref="StatusReport.HistoryIntervalSeconds"/>, oldest first, for the
/// stats page's charts: the lists have the same length and their last entries are the newest sample.
/// </summary>
/// <param name="Clients">Clients connected through the service (<see cref="StatusService.Clients"/>).</param>
/// <param name="Servers">Server connections to its members (<see cref="StatusService.Servers"/>).</param>
/// <param name="Waiting">Clients waiting (<see cref="StatusService.ClientsWaiting"/>).</param>
/// <param name="TransactionsPerSecond">
/// Transactions per second between two samples; null entries where it is not known (the first sample, or a spliced
/// service, which never knows).
/// </param>
internal sealed record StatusServiceHistory(
    IReadOnlyList<int> Clients,
    IReadOnlyList<int> Servers,
    IReadOnlyList<int> Waiting,
    IReadOnlyList<double?> TransactionsPerSecond);
