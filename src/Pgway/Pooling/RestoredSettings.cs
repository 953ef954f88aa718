namespace Pgway.Pooling;

/// <summary>
/// The client's start-up values pgway put back after a RESET: the ParameterStatus messages the client
/// is to see (those whose value differs from what it had before), and the parameters whose reports
/// from the server's own RESET are to be taken out of its answer.
/// </summary>
internal sealed record RestoredSettings(byte[] Statuses, HashSet<string> Drop);
