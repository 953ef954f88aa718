using System.Text;
using Pgway.Protocol;

namespace Pgway.Pooling;

/// <summary>
/// What the server has answered: each ReadyForQuery settles one of the client's requests and tells
/// the transaction status; each ParameterStatus (a SET the client made) is the server's value now,
/// and the client's, since the client sees it too.
/// </summary>
internal sealed class ServerTraffic(ClientTraffic client, Dictionary<string, string> clientParameters) : IMessageObserver
{
    // ParameterStatus bodies are a name and a value; anything longer is forwarded but not followed.
    private const int MaxParameterStatus = 4096;

    private static ReadOnlySpan<byte> DiscardAll => "DISCARD ALL\0"u8;

    private static ReadOnlySpan<byte> DeallocateAll => "DEALLOCATE ALL\0"u8;

    private static ReadOnlySpan<byte> ResetTag => "RESET\0"u8;

    private static ReadOnlySpan<byte> CommitTag => "COMMIT\0"u8;

    private static ReadOnlySpan<byte> RollbackTag => "ROLLBACK\0"u8;

    private static ReadOnlySpan<byte> ListenTag => "LISTEN\0"u8;

    // Grown to the largest captured body so far: most are a byte or a few dozen, and an idle client
    // should not carry a buffer sized for the rare long one.
    private byte[] body = [];
    private MessageScanner scanner;
    private byte capturing;
    private int bodyLength;
    // For FatalAt: where in a scan begun at a boundary the message starting now starts; -1 when unknown.
    private int offset = -1;
    private int errorStart;
    // A RESET ran in a transaction not yet over, and that transaction has since failed or been rolled
    // back (an ERROR, a ROLLBACK tag). If the ReadyForQuery that ends the request then says idle, the
    // transaction ended without committing: PostgreSQL undid the RESET, and the client's start-up
    // values are not put back. (Still in a block, whatever pgway puts back there goes or stays with it.)
    private bool resetUncommitted;
    private bool resetAborted;

    /// <summary>The status of the last ReadyForQuery.</summary>
    public TransactionStatus Status { get; private set; } = TransactionStatus.Idle;

    /// <summary>No message from the server is half forwarded.</summary>
    public bool Idle => scanner.AtBoundary;

    /// <summary>Called with each ReadyForQuery's status, once the request it answers is settled.</summary>
    public Action<TransactionStatus>? ReadyForQuery { get; set; }

    /// <summary>A ParameterStatus came since the server was lent: its parameters (and the client's) changed.</summary>
    public bool ParametersChanged { get; set; }

    /// <summary>Called when a <c>DISCARD ALL</c> or <c>DEALLOCATE ALL</c> completed: the server's prepared statements are gone.</summary>
    public Action? StatementsDiscarded { get; set; }

    /// <summary>
    /// A ReadyForQuery came when none was awaited: pgway lost count of the conversation, and the
    /// server must never serve anyone again.
    /// </summary>
    public bool OutOfStep { get; private set; }

    /// <summary>
    /// A LISTEN ran on the server the client holds: notifications on that channel would reach whoever
    /// holds the server next, so it is not lent again.
    /// </summary>
    public bool Listened { get; private set; }

    /// <summary>RESET or DISCARD ALL ran since the session last looked: settings went back to the server's log-in values.</summary>
    public SettingsReset SettingsReset { get; set; }

    /// <summary>The client's request tracker, which knows of Syncs inside a failed COPY that may still be answered.</summary>
    public PreparedStatements.ResponseTracker? Tracker { get; set; }

    /// <summary>The parameters of the server the client holds now.</summary>
    public Dictionary<string, string>? ServerParameters { get; set; }

    /// <summary>
    /// Where in the last scan a whole FATAL (or PANIC) error starts, -1 when none: the server is
    /// ending the connection (shut down, terminated). Found only in a scan begun between messages.
    /// </summary>
    public int FatalAt { get; private set; } = -1;

    /// <summary>The SQLSTATE of the FATAL (or PANIC) this server sent, if one was read whole; null until then.</summary>
    public string? FatalCode { get; private set; }

    /// <summary>The last scan began between two messages.</summary>
    public bool ScanBeganAtBoundary { get; private set; }

    public string? Scan(ReadOnlySpan<byte> data)
    {
        FatalAt = -1;
        ScanBeganAtBoundary = scanner.AtBoundary;
        offset = scanner.AtBoundary ? 0 : -1;
        if (SettingsReset.Replaced is not null)
        {
            SettingsReset = SettingsReset.WithNewRead();
        }
        return scanner.Scan(data, MessageHeader.LargeMessageLimit, this);
    }

    /// <summary>A fresh server for the client: nothing half read from it.</summary>
    public void Reset()
    {
        FatalCode = null;
        scanner = default;
        ParametersChanged = false;
        OutOfStep = false;
        SettingsReset = default;
        resetUncommitted = resetAborted = false;
        Listened = false;
        client.ServerCopyingIn = false;
    }

    public bool OnMessage(byte type, int length)
    {
        switch ((BackendMessageCode)type)
        {
            case BackendMessageCode.CopyInResponse:
                client.ServerCopyingIn = true;
                break;
            case BackendMessageCode.CommandComplete or BackendMessageCode.ErrorResponse or BackendMessageCode.ReadyForQuery:
                client.ServerCopyingIn = false;
                break;
        }
        var known = offset >= 0;
        errorStart = offset;
        offset = known ? offset + MessageHeader.Size + length : -1;
        var wanted = type == (byte)BackendMessageCode.ReadyForQuery && length == 1
            || type == (byte)BackendMessageCode.ErrorResponse && length <= MaxParameterStatus
            || type == (byte)BackendMessageCode.ParameterStatus && length <= MaxParameterStatus
            || type == (byte)BackendMessageCode.CommandComplete
                && (length == DiscardAll.Length || length == DeallocateAll.Length || length == ResetTag.Length
                    || length == CommitTag.Length || length == RollbackTag.Length || length == ListenTag.Length);
        capturing = wanted ? type : (byte)0;
        bodyLength = 0;
        if (wanted && length > body.Length)
        {
            body = new byte[Math.Max(length, 16)];
        }
        return wanted;
    }

    public bool OnBody(ReadOnlySpan<byte> part, bool last)
    {
        // The server's messages are never a reason to stop a scan.
        TakeBody(part, last);
        return false;
    }

    private void TakeBody(ReadOnlySpan<byte> part, bool last)
    {
        part.CopyTo(body.AsSpan(bodyLength));
        bodyLength += part.Length;
        if (!last)
        {
            return;
        }
        if (capturing == (byte)BackendMessageCode.ReadyForQuery)
        {
            Status = (TransactionStatus)body[0];
            if (Status != TransactionStatus.InTransaction)
            {
                if (resetUncommitted && resetAborted && Status == TransactionStatus.Idle)
                {
                    UndoUncommittedReset();
                }
                resetUncommitted = resetAborted = false;
            }
            if (client.Outstanding <= 0 && Tracker is not { SyncsMaybeAnswered: > 0 })
            {
                OutOfStep = true;
                return;
            }
            // With a Sync inside a failed COPY maybe answered, the count may go below zero until the
            // request tracker, which follows the same read next, puts that Sync back on it.
            client.Outstanding--;
            ReadyForQuery?.Invoke(Status);
        }
        else if (capturing == (byte)BackendMessageCode.ErrorResponse)
        {
            if (!ErrorResponseReader.TryRead(body.AsSpan(0, bodyLength), out var error))
            {
                return;
            }
            var severity = error.GetValueOrDefault('V', error.GetValueOrDefault('S', ""));
            if (severity is "FATAL" or "PANIC")
            {
                // Where it starts only in a scan begun between messages; that it came, in any.
                FatalAt = errorStart;
                FatalCode = error.GetValueOrDefault('C');
            }
            else if (severity == "ERROR")
            {
                resetAborted |= resetUncommitted;
            }
        }
        else if (capturing == (byte)BackendMessageCode.CommandComplete)
        {
            var tag = body.AsSpan(0, bodyLength);
            if (tag.SequenceEqual(DiscardAll) || tag.SequenceEqual(DeallocateAll))
            {
                StatementsDiscarded?.Invoke();
            }
            if (tag.SequenceEqual(DiscardAll))
            {
                SettingsReset = SettingsReset.WithAll();
            }
            else if (tag.SequenceEqual(ResetTag))
            {
                SettingsReset = SettingsReset.WithReset();
                resetUncommitted = true;
            }
            else if (tag.SequenceEqual(ListenTag))
            {
                Listened = true;
            }
            else if (tag.SequenceEqual(CommitTag))
            {
                resetUncommitted = resetAborted = false;
            }
            else if (tag.SequenceEqual(RollbackTag))
            {
                // A ROLLBACK, or a ROLLBACK TO a savepoint (the block goes on: decided at the ReadyForQuery).
                resetAborted |= resetUncommitted;
            }
        }
        else if (TryParameter(body.AsSpan(0, bodyLength), out var name, out var value))
        {
            ServerParameters?[name] = value;
            ParametersChanged = true;
            if (SettingsReset.Any)
            {
                SettingsReset = SettingsReset.WithReported(name, clientParameters.GetValueOrDefault(name));
            }
            if (TrackedParameters.IsClientSettable(name))
            {
                clientParameters[name] = value;
            }
        }
    }

    /// <summary>
    /// The RESET or DISCARD ALL to put the start-up values back after, taken: done with. A RESET put
    /// back inside its block is not undone at the block's ROLLBACK (what pgway set there goes with it).
    /// </summary>
    public SettingsReset TakeSettingsReset()
    {
        var reset = SettingsReset;
        SettingsReset = default;
        resetUncommitted = resetAborted = false;
        return reset;
    }

    // The transaction a RESET ran in ended without committing: the RESET is undone, and there is
    // nothing to put back (the server went back to the values before it, as PostgreSQL does).
    private void UndoUncommittedReset()
    {
        SettingsReset = default;
        // The names the client's RESET text gave are not to be put back at a later RESET.
        client.Words.TakeResetNames();
    }

    /// <summary>A CommandComplete tag (with its zero byte) of a RESET or DISCARD ALL.</summary>
    public static bool IsResetTag(ReadOnlySpan<byte> tag) => tag.SequenceEqual(ResetTag) || tag.SequenceEqual(DiscardAll);

    /// <summary>A ParameterStatus body: name and value, each ended by a zero byte.</summary>
    public static bool TryParameter(ReadOnlySpan<byte> body, out string name, out string value)
    {
        name = value = "";
        var nameEnd = body.IndexOf((byte)0);
        if (nameEnd < 0)
        {
            return false;
        }
        var rest = body[(nameEnd + 1)..];
        var valueEnd = rest.IndexOf((byte)0);
        if (valueEnd < 0)
        {
            return false;
        }
        name = Encoding.UTF8.GetString(body[..nameEnd]);
        value = Encoding.UTF8.GetString(rest[..valueEnd]);
        return true;
    }
}
