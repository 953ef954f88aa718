using System.Buffers.Binary;
using Pgway.Protocol;

namespace Pgway.Pooling.PreparedStatements;

/// <summary>
/// The requests a server has to answer, in order, for a client whose prepared statements pgway
/// maps: its answers are followed message by message so that the completions of what pgway sent on
/// its own (a Parse before a Bind, a Close of an evicted statement) are taken out. Every completion
/// the client gets comes from the server, in its order: pgway makes none (a client's Close goes as
/// a Close of a name no statement has). An error in an extended-protocol batch ends every request
/// up to the next Sync, as PostgreSQL skips them. Used on the session's loop only.
/// </summary>
internal sealed class ResponseTracker
{
    private const string PlanChangedMessage = "cached plan must not change result type";
    private static readonly byte[] PlanChangedError = MakePlanChangedError();

    private PendingRequest[] queue = new PendingRequest[16];
    private int head;
    private int count;
    // The server's stream: what is left of the message being forwarded, and bytes of a header (or
    // of a whole ErrorResponse) held back until the rest arrives.
    private byte[] carry = new byte[MessageHeader.Size];
    private int carryLength;
    private int bodyRemaining;
    private int dropRemaining;
    // The error the client gets for the failing request just met (PlanChangedError unless it carries its own).
    private byte[] replacementError = PlanChangedError;
    // Messages the client has sent that end a COPY FROM STDIN (see ClientEndedAnyCopy), and the count
    // at which the COPY the server is in now ends (0: none): a Sync sent before then is the COPY's,
    // and PostgreSQL ignores it. Counted for a session's life: long.
    private long clientCopyEnds;
    private long copyInEndsAt;
    // COPYs the request at the head began (a Query may hold several): the k-th ends at the client's
    // k-th CopyDone or CopyFail after the request.
    private int copiesByHead;
    // The server is in a COPY FROM STDIN, and the Syncs taken as read by it so far.
    private bool copyInRunning;
    private int syncsReadByCopy;
    // A COPY failed with Syncs taken as read by it; once the request that began it is answered, the
    // next answer of a later request shows that every one of them still unanswered was read.
    private bool copyFailedWithSyncs;
    private bool settleAtNextAnswer;
    // The head has had a message of its own answer (not a notice, report or notification).
    private bool headAnswered;

    /// <summary>The server skips the client's messages until its next Sync (an error came): they expect no answer.</summary>
    public bool IgnoringUntilSync { get; private set; }

    /// <summary>
    /// Syncs sent inside a COPY FROM STDIN whose answer may still come: PostgreSQL ignores those the
    /// COPY reads, and answers those it had not read when it failed, and which those are cannot be
    /// told from the client's bytes. Taken off the client's count of requests awaiting a
    /// ReadyForQuery (<see cref="RequestDropped"/>); a ReadyForQuery that answers one of them puts it
    /// back (<see cref="RequestRestored"/>).
    /// </summary>
    public int SyncsMaybeAnswered { get; private set; }

    /// <summary>Called for each Sync taken off as read by a COPY that a ReadyForQuery answered after all.</summary>
    public Action? RequestRestored { get; set; }

    /// <summary>
    /// A ReadyForQuery came where no request of the client's can be answered by one alone: pgway lost
    /// count, and the server must never serve anyone again.
    /// </summary>
    public bool OutOfStep { get; private set; }

    /// <summary>The cache of the server the client holds, for Parses that fail.</summary>
    public ServerStatements? Server { get; set; }

    /// <summary>Called with a client's Parse that failed or was skipped after an error: the client does not have that name.</summary>
    public Action<string, SharedStatement>? ParseFailed { get; set; }

    /// <summary>
    /// Called with the client's unnamed Parse that did not prepare: true when it failed itself (the
    /// client's unnamed statement is gone, as PostgreSQL drops it before parsing), false when it was
    /// skipped after an error (the one before it stays).
    /// </summary>
    public Action<bool, long>? UnnamedParseEnded { get; set; }

    /// <summary>Called when a client's Close of a named statement is answered (and not skipped): the name is gone.</summary>
    public Action<string, ClientStatement>? CloseAnswered { get; set; }

    /// <summary>Called when a client's Close of a named statement was skipped after an error: the name stays.</summary>
    public Action<string, ClientStatement>? CloseSkipped { get; set; }

    /// <summary>
    /// Called for each Query, FunctionCall or Sync the server will never answer: skipped after an
    /// error until the batch's Sync, or a Sync inside a COPY FROM STDIN.
    /// </summary>
    public Action? RequestDropped { get; set; }

    /// <summary>The server is in a COPY FROM STDIN the client has not ended yet: a Sync now is the COPY's.</summary>
    public bool ClientInCopyIn => copyInEndsAt > clientCopyEnds;

    /// <summary>The unnamed statement slot of the server the client holds, in transaction and statement modes.</summary>
    public UnnamedStatementSlot? Unnamed { get; set; }

    /// <summary>Everything sent has been answered.</summary>
    public bool Empty => count == 0;

    /// <summary>
    /// A Sync or a simple Query sent is still unanswered. What follows the last one, a batch without
    /// its Sync yet, may stay unanswered until the client sends more: PostgreSQL answers it only at
    /// a Sync or Flush.
    /// </summary>
    public bool AwaitsReady
    {
        get
        {
            for (var i = 0; i < count; i++)
            {
                if (queue[(head + i) % queue.Length].Kind is RequestKind.Sync or RequestKind.UntilReady)
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>The literal settings pgway's reader last read (<see cref="CompletionHandling.Capture"/>), null until it answers.</summary>
    public string?[]? CapturedLiterals { get; set; }

    /// <summary>
    /// A simple Query, FunctionCall or Sync of the client's is unanswered: a setting its batch changed
    /// (a SET, a set_config in a SELECT, the end of a SET LOCAL's transaction) reaches pgway with the
    /// ParameterStatus PostgreSQL sends just before that ReadyForQuery.
    /// </summary>
    public bool SettingsUnsettled
    {
        get
        {
            for (var i = 0; i < count; i++)
            {
                if (queue[(head + i) % queue.Length] is { Kind: RequestKind.Sync or RequestKind.UntilReady, Handling: CompletionHandling.Forward })
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>
    /// A Parse of the client's unnamed statement (its own, or pgway's making it again on this server) is
    /// still unanswered, and a Sync (or Query) was sent after it: an error before it in its batch skips
    /// it, and which unnamed statement the server then has is known only from those answers.
    /// </summary>
    public bool UnnamedParseUnansweredBeforeSync()
    {
        var parsed = false;
        for (var i = 0; i < count; i++)
        {
            var request = queue[(head + i) % queue.Length];
            if (request is { Kind: RequestKind.Parse, Statement: null } && (request.ClientName == "" || request.Handling == CompletionHandling.Skip))
            {
                parsed = true;
            }
            else if (parsed && request.Kind is RequestKind.Sync or RequestKind.UntilReady)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// A Parse of <paramref name="statement"/> pgway sent is still unanswered, and a Sync (or Query)
    /// was sent after it: a later batch cannot know yet whether the server will have the statement.
    /// </summary>
    public bool ParseUnansweredBeforeSync(SharedStatement statement)
    {
        var parsed = false;
        for (var i = 0; i < count; i++)
        {
            var request = queue[(head + i) % queue.Length];
            if (request is { Kind: RequestKind.Parse } && request.Statement == statement)
            {
                parsed = true;
            }
            else if (parsed && request.Kind is RequestKind.Sync or RequestKind.UntilReady)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A server lent anew: nothing is outstanding on it.</summary>
    public void Reset(ServerStatements? server, UnnamedStatementSlot? unnamed = null)
    {
        for (var i = 0; i < count; i++)
        {
            // A client's Close still owed (the server was lost): the name is gone all the same.
            if (queue[(head + i) % queue.Length] is { Kind: RequestKind.Close, ClientName: { } name, Client: { } closed })
            {
                CloseAnswered?.Invoke(name, closed);
            }
        }
        Array.Clear(queue);
        head = count = carryLength = bodyRemaining = dropRemaining = 0;
        PendingLearns = 0;
        clientCopyEnds = copyInEndsAt = copiesByHead = syncsReadByCopy = 0;
        copyInRunning = copyFailedWithSyncs = settleAtNextAnswer = headAnswered = false;
        OutOfStep = false;
        SyncsMaybeAnswered = 0;
        IgnoringUntilSync = false;
        Server = server;
        Unnamed = unnamed;
    }

    /// <summary>
    /// The client sent a message a COPY FROM STDIN does not read as its data: CopyDone or CopyFail,
    /// which end it, or any other but CopyData, Flush and Sync, which fails it (PostgreSQL: unexpected
    /// message type during COPY). A COPY under way ends there at the latest: no Sync after it is the
    /// COPY's to ignore.
    /// </summary>
    public void ClientEndedAnyCopy() => clientCopyEnds++;

    /// <summary>
    /// A Sync the client sent while the server is in its COPY FROM STDIN: read and ignored by the COPY,
    /// unless the COPY fails before it gets there (then PostgreSQL answers it).
    /// </summary>
    public void SyncReadByCopy()
    {
        RequestDropped?.Invoke();
        syncsReadByCopy++;
        SyncsMaybeAnswered++;
    }

    /// <summary>
    /// Syncs sent inside a COPY that failed were answered or read, as far as the server's answers can
    /// tell: pgway's own empty Query after them was answered.
    /// </summary>
    public void CopySyncsSettled()
    {
        copyFailedWithSyncs = settleAtNextAnswer = false;
        SyncsMaybeAnswered = 0;
    }

    /// <summary>A request just written for the server (or answered by pgway), in order.</summary>

    public void Expect(PendingRequest request)
    {
        if (request.Kind == RequestKind.Sync)
        {
            IgnoringUntilSync = false;
        }
        if (request.Handling is CompletionHandling.Learn or CompletionHandling.Capture)
        {
            PendingLearns++;
        }
        request = request with { CopyEnds = clientCopyEnds };
        if (count == queue.Length)
        {
            var larger = new PendingRequest[queue.Length * 2];
            for (var i = 0; i < count; i++)
            {
                larger[i] = queue[(head + i) % queue.Length];
            }
            queue = larger;
            head = 0;
        }
        queue[(head + count) % queue.Length] = request;
        count++;
    }

    /// <summary>Bytes held back from the last read: a read goes after them in the buffer.</summary>
    public int CarryLength => carryLength;

    /// <summary>After a read: puts the bytes held back at the start of <paramref name="buffer"/>.</summary>
    public void TakeCarry(byte[] buffer)
    {
        carry.AsSpan(0, carryLength).CopyTo(buffer);
        carryLength = 0;
    }

    /// <summary>
    /// One read of the server's stream, <paramref name="buffer"/>[0..<paramref name="length"/>)
    /// (carried bytes first): what the client gets — the same bytes when nothing changes, else
    /// <paramref name="output"/>'s. An incomplete header (or ErrorResponse) at the end is held back.
    /// </summary>
    public ReadOnlyMemory<byte> Filter(byte[] buffer, int length, RentedBuffer output)
    {
        var position = 0;
        var segmentStart = 0;
        var changed = false;
        var end = length;
        while (position < length)
        {
            if (dropRemaining > 0)
            {
                // The rest of a message pgway takes out, longer than it reads whole.
                var dropped = Math.Min(dropRemaining, length - position);
                output.Append(buffer.AsSpan(segmentStart, position - segmentStart));
                position += dropped;
                segmentStart = position;
                dropRemaining -= dropped;
                changed = true;
                continue;
            }
            if (bodyRemaining > 0)
            {
                var take = Math.Min(bodyRemaining, length - position);
                position += take;
                bodyRemaining -= take;
                continue;
            }
            if (length - position < MessageHeader.Size)
            {
                end = HoldBack(buffer, position, length);
                break;
            }
            var type = buffer[position];
            var bodyLength = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(position + 1)) - 4;
            if (length - position < MessageHeader.Size + bodyLength && NeedsWhole(type, bodyLength))
            {
                // Read whole: a plan-changed error drops the statement it names; a description is learned.
                end = HoldBack(buffer, position, length);
                break;
            }
            var fate = OnMessage(type, bodyLength, buffer.AsSpan(position + MessageHeader.Size, Math.Min(bodyLength, length - position - MessageHeader.Size)));
            if (fate != MessageFate.Forward)
            {
                output.Append(buffer.AsSpan(segmentStart, position - segmentStart));
                if (fate == MessageFate.ReplaceWithPlanChanged)
                {
                    output.Append(replacementError);
                }
                var inBuffer = Math.Min(bodyLength, length - position - MessageHeader.Size);
                position += MessageHeader.Size + (fate == MessageFate.DropHeader ? 0 : inBuffer);
                dropRemaining = fate == MessageFate.DropHeader ? 0 : bodyLength - inBuffer;
                segmentStart = position;
                changed = true;
                continue;
            }
            position += MessageHeader.Size;
            bodyRemaining = bodyLength;
        }
        if (!changed)
        {
            return buffer.AsMemory(0, end);
        }
        output.Append(buffer.AsSpan(segmentStart, end - segmentStart));
        return output.Written;
    }

    private int HoldBack(byte[] buffer, int position, int length)
    {
        carryLength = length - position;
        if (carry.Length < carryLength)
        {
            carry = new byte[Math.Max(carryLength, 64)];
        }
        buffer.AsSpan(position, carryLength).CopyTo(carry);
        return position;
    }

    // Messages read whole before they are looked at: an error (small), and the descriptions pgway learns.
    private bool NeedsWhole(byte type, int bodyLength)
    {
        if (type == (byte)BackendMessageCode.ErrorResponse)
        {
            return bodyLength <= MessageHeader.SmallMessageLimit;
        }
        if (type == (byte)BackendMessageCode.DataRow && count > 0 && queue[head] is { Kind: RequestKind.Execute, Handling: CompletionHandling.Capture })
        {
            return bodyLength <= MessageHeader.SmallMessageLimit;
        }
        return bodyLength <= MessageHeader.SmallMessageLimit && count > 0 && queue[head] is { Kind: RequestKind.Describe } describe
            && (describe.Handling is CompletionHandling.Learn or CompletionHandling.Record || describe.Client is not null)
            && type is (byte)BackendMessageCode.RowDescription or (byte)BackendMessageCode.ParameterDescription;
    }

    // A message starts: whether pgway passes it on, takes it out, or answers in its place.
    private MessageFate OnMessage(byte type, int bodyLength, ReadOnlySpan<byte> body)
    {
        FollowCopyIn(type);
        var ownAnswer = type is not ((byte)BackendMessageCode.ReadyForQuery or (byte)BackendMessageCode.NoticeResponse
            or (byte)BackendMessageCode.NotificationResponse or (byte)BackendMessageCode.ParameterStatus);
        if (ownAnswer && settleAtNextAnswer)
        {
            // An answer of a request after the failed COPY's: the Syncs inside it not answered by now were read.
            CopySyncsSettled();
        }
        if (count == 0)
        {
            if (type == (byte)BackendMessageCode.ReadyForQuery)
            {
                AnswerOfASyncReadByCopy();
            }
            return MessageFate.Forward;
        }
        var request = queue[head];
        if (ownAnswer)
        {
            headAnswered = true;
        }
        switch ((BackendMessageCode)type)
        {
            case BackendMessageCode.CopyInResponse:
                BeginCopyIn(request);
                return MessageFate.Forward;
            case BackendMessageCode.ReadyForQuery:
                if (request.Kind == RequestKind.Sync || request.Kind == RequestKind.UntilReady && headAnswered)
                {
                    Pop();
                }
                else
                {
                    // A Query or FunctionCall is answered with something before its ReadyForQuery, and
                    // the messages of a batch before their Sync: this one answers a Sync a failed COPY
                    // never read, or pgway lost count.
                    AnswerOfASyncReadByCopy();
                }
                return MessageFate.Forward;
            case BackendMessageCode.ParameterDescription when request is { Kind: RequestKind.Describe, Handling: CompletionHandling.Learn }:
                return MessageFate.DropWhole;
            case BackendMessageCode.ParameterDescription when request is { Kind: RequestKind.Describe, Handling: CompletionHandling.Record or CompletionHandling.Forward, Client: { } described }:
                // The parameters as the client's statement was parsed (from pgway's own Describe right after
                // the Parse, or the client's first): kept for a Describe after its result type changed.
                if (described.Parameters is null && body.Length == bodyLength)
                {
                    described.Parameters = MessageHeader.Message(type, body);
                }
                return request.Handling == CompletionHandling.Record ? MessageFate.DropWhole : MessageFate.Forward;
            case BackendMessageCode.RowDescription or BackendMessageCode.NoData when request.Kind == RequestKind.Describe
                && (request.Handling is CompletionHandling.Learn or CompletionHandling.Record || request.Client is not null):
                // A description longer than pgway reads whole is not learned: unknown, so taken as changed.
                Learn(request, type == (byte)BackendMessageCode.NoData ? [] : body.Length == bodyLength ? body.ToArray() : null);
                Pop();
                return request.Handling is CompletionHandling.Learn or CompletionHandling.Record ? MessageFate.DropWhole : MessageFate.Forward;
            case BackendMessageCode.DataRow when request is { Kind: RequestKind.Execute, Handling: CompletionHandling.Capture }:
                CapturedLiterals = body.Length == bodyLength ? ReadRow(body) : null;
                return MessageFate.DropWhole;
            case BackendMessageCode.DataRow when request is { Kind: RequestKind.Execute, Handling: CompletionHandling.Skip }:
                // pgway's own statement run (the parse-context setter): its row is not the client's.
                return MessageFate.DropWhole;
            case BackendMessageCode.ErrorResponse when request.Handling == CompletionHandling.PlanChanged:
                EndBatch();
                if (request.Error is null && bodyLength == body.Length && IsFailedTransaction(body))
                {
                    // Refused inside a failed transaction block before anything else was checked: as
                    // PostgreSQL refuses the client's Bind or Describe there (25P02), not 0A000.
                    return MessageFate.Forward;
                }
                replacementError = request.Error
                    ?? (request is { Kind: RequestKind.Describe, Client.Parameters: { } parameters } ? [.. parameters, .. PlanChangedError] : PlanChangedError);
                return MessageFate.ReplaceWithPlanChanged;
            case BackendMessageCode.ErrorResponse:
                if (request.Kind != RequestKind.UntilReady)
                {
                    if (request.Statement is { } statement && request.Kind is RequestKind.Bind or RequestKind.Describe
                        && bodyLength == body.Length && IsPlanChanged(body))
                    {
                        // The statement's result type changed under it: it is closed on the server
                        // and prepared afresh at its next use, so the client's retry works.
                        Server?.Drop(statement);
                    }
                    EndBatch();
                }
                return MessageFate.Forward;
        }
        if (!Completes(request.Kind, type))
        {
            return MessageFate.Forward;
        }
        if (request is { Kind: RequestKind.Parse, Statement: { } prepared })
        {
            Server?.Confirm(prepared);
        }
        if (request.Handling == CompletionHandling.Capture)
        {
            PendingLearns--;
        }
        Pop();
        if (request is { Kind: RequestKind.Close, ClientName: { } name, Client: { } closed })
        {
            // The client's Close (pgway's stand-in for it) answered: the name is gone for good.
            CloseAnswered?.Invoke(name, closed);
        }
        return request.Handling is not (CompletionHandling.Skip or CompletionHandling.Capture) ? MessageFate.Forward
            : bodyLength == 0 ? MessageFate.DropHeader : MessageFate.DropWhole;
    }

    // A Describe of a statement answered: the description it has on this server; the client's own
    // Describe tells what the client was given, pgway's is compared with that.
    private void Learn(PendingRequest request, byte[]? shape)
    {
        if (request.Handling == CompletionHandling.Learn)
        {
            PendingLearns--;
        }
        if (shape is not null && request.Statement is { } statement)
        {
            Server?.SetShape(statement, shape);
        }
        if (request.Client is not { } client)
        {
            return;
        }
        if (request.Handling == CompletionHandling.Record)
        {
            // The result type at parse time; a description too long to read whole stays unknown,
            // and the statement is then not compared (as before this was recorded).
            client.Shape ??= shape;
            return;
        }
        if (request.Handling != CompletionHandling.Learn)
        {
            client.Shape = shape;
            client.Stale = false;
            return;
        }
        client.Stale = client.Shape is { } given && (shape is null || !given.AsSpan().SequenceEqual(shape));
    }

    /// <summary>Descriptions pgway asked a server for and waits on before it sends the client's next message.</summary>
    public int PendingLearns { get; private set; }

    private static bool Completes(RequestKind kind, byte type) => kind switch
    {
        RequestKind.Parse => type == (byte)BackendMessageCode.ParseComplete,
        RequestKind.Bind => type == (byte)BackendMessageCode.BindComplete,
        RequestKind.Close => type == (byte)BackendMessageCode.CloseComplete,
        RequestKind.Describe => type is (byte)BackendMessageCode.RowDescription or (byte)BackendMessageCode.NoData,
        RequestKind.Execute => type is (byte)BackendMessageCode.CommandComplete or (byte)BackendMessageCode.EmptyQueryResponse
            or (byte)BackendMessageCode.PortalSuspended,
        _ => false,
    };

    // PostgreSQL skips the batch's messages up to its Sync after an error: so do the expectations.
    // A Parse that never ran leaves its statement unprepared on the server.
    private void EndBatch()
    {
        var first = true;
        while (count > 0 && queue[head].Kind != RequestKind.Sync)
        {
            if (queue[head] is { Kind: RequestKind.Parse, Statement: null, ClientName: "" } unnamedParse)
            {
                UnnamedParseEnded?.Invoke(first, unnamedParse.UnnamedGeneration);
            }
            else if (queue[head] is { Kind: RequestKind.Parse, Statement: null, Handling: CompletionHandling.Skip } && Unnamed is { } slot)
            {
                // pgway's Parse of the client's unnamed statement again, skipped: the server's unnamed
                // statement is still what it was, not the client's, and is made again before its next use.
                slot.Owner = null;
            }
            else if (queue[head].Kind == RequestKind.UntilReady)
            {
                // A Query or FunctionCall after the error: PostgreSQL reads past it to the Sync.
                RequestDropped?.Invoke();
            }
            else if (queue[head] is { Kind: RequestKind.Close, ClientName: { } closedName, Client: { } closed })
            {
                CloseSkipped?.Invoke(closedName, closed);
            }
            else if (queue[head] is { Kind: RequestKind.Close, Handling: CompletionHandling.Skip, Statement: { } unclosed })
            {
                // pgway's own Close (a statement evicted, dropped, or parsed afresh), skipped: the
                // server still has it, and pgway no longer counts it there. Closed before the next request.
                if (Server is { } server && !server.Dropped.Contains(unclosed))
                {
                    server.Dropped.Add(unclosed);
                }
            }
            else if (queue[head].Handling is CompletionHandling.Learn or CompletionHandling.Capture)
            {
                // Never answered: the client's message waiting on it goes on, and the server skips it.
                PendingLearns--;
            }
            first = false;
            if (queue[head] is { Kind: RequestKind.Parse, Statement: { } unprepared } parse)
            {
                Server?.Remove(unprepared);
                if (parse.ClientName is { } name)
                {
                    ParseFailed?.Invoke(name, unprepared);
                }
            }
            Pop();
        }
        IgnoringUntilSync = count == 0;
    }

    // A ReadyForQuery no request at the head is answered by alone: a Sync sent inside a COPY that
    // failed before reading it (PostgreSQL answers it), taken back onto the client's count it was
    // taken off; with none such, pgway lost count.
    private void AnswerOfASyncReadByCopy()
    {
        if (SyncsMaybeAnswered > 0)
        {
            SyncsMaybeAnswered--;
            RequestRestored?.Invoke();
            // A Sync answered: the server is no longer skipping to one.
            IgnoringUntilSync = false;
            return;
        }
        OutOfStep = true;
    }

    // Whether the COPY FROM STDIN the server is in ends well (every Sync inside it was read) or fails
    // (those after where it stopped reading are answered, and which those are cannot be told).
    private void FollowCopyIn(byte type)
    {
        if (!copyInRunning || type is not ((byte)BackendMessageCode.CommandComplete or (byte)BackendMessageCode.ErrorResponse
            or (byte)BackendMessageCode.ReadyForQuery))
        {
            return;
        }
        copyInRunning = false;
        copyInEndsAt = 0;
        if (type == (byte)BackendMessageCode.CommandComplete)
        {
            SyncsMaybeAnswered -= syncsReadByCopy;
        }
        else if (syncsReadByCopy > 0)
        {
            copyFailedWithSyncs = true;
        }
        syncsReadByCopy = 0;
    }

    // The server began a COPY FROM STDIN for the request at the head: it reads the client's messages
    // up to the client's next CopyDone or CopyFail as the COPY's, ignoring the Syncs among them.
    private void BeginCopyIn(PendingRequest request)
    {
        copiesByHead++;
        copyInEndsAt = request.CopyEnds + copiesByHead;
        copyInRunning = true;
        var kept = 1;
        for (var i = 1; i < count; i++)
        {
            var later = queue[(head + i) % queue.Length];
            if (later.Kind == RequestKind.Sync && later.CopyEnds == copyInEndsAt - 1)
            {
                SyncReadByCopy();
                continue;
            }
            queue[(head + kept) % queue.Length] = later;
            kept++;
        }
        for (var i = kept; i < count; i++)
        {
            queue[(head + i) % queue.Length] = default;
        }
        count = kept;
    }

    private static byte[] MakePlanChangedError()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        ErrorResponseWriter.Write(output, ErrorSeverity.Error, SqlState.FeatureNotSupported, PlanChangedMessage);
        return output.WrittenSpan.ToArray();
    }

    private static bool IsPlanChanged(ReadOnlySpan<byte> body) =>
        ErrorResponseReader.TryRead(body, out var fields)
        && fields.GetValueOrDefault('C') == SqlState.FeatureNotSupported
        && fields.GetValueOrDefault('M') == PlanChangedMessage;

    private static bool IsFailedTransaction(ReadOnlySpan<byte> body) =>
        ErrorResponseReader.TryRead(body, out var fields) && fields.GetValueOrDefault('C') == SqlState.InFailedSqlTransaction;

    // A DataRow's text values (null for SQL NULL); null when it is not well formed.
    private static string?[]? ReadRow(ReadOnlySpan<byte> body)
    {
        if (body.Length < 2)
        {
            return null;
        }
        var values = new string?[BinaryPrimitives.ReadInt16BigEndian(body)];
        var position = 2;
        for (var i = 0; i < values.Length; i++)
        {
            if (body.Length - position < 4)
            {
                return null;
            }
            var length = BinaryPrimitives.ReadInt32BigEndian(body[position..]);
            position += 4;
            if (length < 0)
            {
                continue;
            }
            if (body.Length - position < length)
            {
                return null;
            }
            values[i] = System.Text.Encoding.UTF8.GetString(body.Slice(position, length));
            position += length;
        }
        return values;
    }

    private void Pop()
    {
        queue[head] = default;
        head = (head + 1) % queue.Length;
        count--;
        copiesByHead = 0;
        headAnswered = false;
        if (copyFailedWithSyncs && !copyInRunning)
        {
            // The request whose COPY failed is answered: what comes next answers the Syncs inside it, or later requests.
            copyFailedWithSyncs = false;
            settleAtNextAnswer = true;
        }
    }

    private enum MessageFate
    {
        Forward,
        DropHeader,
        DropWhole,
        ReplaceWithPlanChanged,
    }
}
