namespace Pgway.Pooling;

/// <summary>
/// The client's start-up values pgway put back after a RESET: the ParameterStatus messages the client
/// is to see at the RESET's ReadyForQuery (each reported parameter whose value differs from what it
/// was told, in PostgreSQL's order), and whether the server's own reports after the RESET are to be
/// taken out of its answer (they can be when the answer can be walked message by message).
/// </summary>
internal sealed record RestoredSettings(byte[] Statuses, bool ReplaceReports);
