namespace Pgway.Pooling.PreparedStatements;

/// <summary>A request sent to the server (or answered by pgway) whose completion has not come back yet.</summary>
/// <param name="Kind">What completes it: the message type of its completion (<c>'1'</c> ParseComplete, …).</param>
/// <param name="Handling">Whether the client sees the completion, never sees it, or gets one pgway makes.</param>
/// <param name="Statement">For a Parse: the statement it prepares, forgotten on the server if the Parse fails; for a Bind or Describe: the statement it uses.</param>
/// <param name="ClientName">For a client's own Parse: the name it gave, which it does not get if the Parse fails or is skipped (empty for the unnamed statement); for a client's Close: the name it closes, gone once the close is answered.</param>
/// <param name="CopyEnds">How many messages that end a COPY the client had sent up to this request (CopyDone, CopyFail, and any other but CopyData, Flush and Sync, this one included): a COPY this request begins ends at the next one, and a Sync sent before that is the COPY's to ignore.</param>
/// <param name="Client">For a Describe of a client's named statement: the client's statement, whose description is recorded (the client's own Describe) or compared (pgway's).</param>
/// <param name="UnnamedGeneration">For a client's unnamed Parse: which of its unnamed Parses it is.</param>
/// <param name="Error">With <see cref="CompletionHandling.PlanChanged"/>: the ErrorResponse the client gets instead of 0A000 (a limit pgway refused the request for).</param>
internal readonly record struct PendingRequest(RequestKind Kind, CompletionHandling Handling, SharedStatement? Statement = null, string? ClientName = null, long CopyEnds = 0, ClientStatement? Client = null, long UnnamedGeneration = 0, byte[]? Error = null);
