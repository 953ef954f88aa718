using System.Buffers;
using System.Text;
using Pgway.Protocol;

namespace Pgway.Pooling.PreparedStatements;

// What one client's named statements may hold (ClientStatementLimits): every name added or removed
// goes through here, so that the count and the bytes stay true; a Parse beyond a limit fails on
// the server, as any failing Parse would (the batch is skipped to its Sync, a transaction block
// aborted), with pgway's error naming the setting in place of the server's.
internal sealed partial class RequestRewriter
{
    // A name no statement on a server has: a Describe of it fails there in the refused Parse's place.
    private static readonly byte[] RefusedNameBytes = "pgway_statement_limit_exceeded\0"u8.ToArray();

    private void AddName(string name, ClientStatement statement)
    {
        names[name] = statement;
        heldBytes += Encoding.UTF8.GetByteCount(name);
        ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(namesPerStatement, statement.Statement, out _);
        if (count++ == 0)
        {
            heldBytes += statement.Statement.DefinitionLength;
        }
    }

    private ClientStatement? RemoveName(string name)
    {
        if (!names.Remove(name, out var removed))
        {
            return null;
        }
        heldBytes -= Encoding.UTF8.GetByteCount(name);
        if (namesPerStatement.TryGetValue(removed.Statement, out var count))
        {
            if (count <= 1)
            {
                namesPerStatement.Remove(removed.Statement);
                heldBytes -= removed.Statement.DefinitionLength;
            }
            else
            {
                namesPerStatement[removed.Statement] = count - 1;
            }
        }
        return removed;
    }

    // Null, or the error for a Parse that would take the client past a limit. A name given again
    // (the newer definition replaces the older) counts what it would hold after; a definition the
    // client already has under another name costs nothing more (looked up only near the limit).
    private string? OverLimit(string name, ReadOnlySpan<byte> definition, string context)
    {
        var replaced = names.GetValueOrDefault(name);
        if (limits.MaxNames > 0 && replaced is null && names.Count >= limits.MaxNames)
        {
            return $"too many prepared statements: this client has {names.Count} (pgway_max_client_prepared_statements {limits.MaxNames}); close some (DEALLOCATE, or a Close message) before preparing more";
        }
        if (limits.MaxBytes <= 0)
        {
            return null;
        }
        var after = heldBytes + (replaced is null ? Encoding.UTF8.GetByteCount(name) : 0);
        if (after + definition.Length <= limits.MaxBytes)
        {
            return null;
        }
        var known = registry.Find(definition, context);
        if (replaced is not null && replaced.Statement != known && namesPerStatement.GetValueOrDefault(replaced.Statement) == 1)
        {
            after -= replaced.Statement.DefinitionLength;
        }
        if (known is null || !namesPerStatement.ContainsKey(known))
        {
            after += definition.Length;
        }
        return after > limits.MaxBytes
            ? $"prepared statements take too much memory: this client's would take {after} bytes (pgway_max_client_prepared_bytes {limits.MaxBytes}); close some (DEALLOCATE, or a Close message) before preparing more"
            : null;
    }

    // The Parse fails on the server in its place, answered with pgway's error (54000: a limit pgway
    // sets on what a client may hold, as PostgreSQL's program limits are, not the node running short).
    private void Refuse(string message)
    {
        WriteHeader((byte)FrontendMessageCode.Describe, 4 + 1 + RefusedNameBytes.Length);
        replacement.Append("S"u8);
        replacement.Append(RefusedNameBytes);
        var error = new ArrayBufferWriter<byte>();
        ErrorResponseWriter.Write(error, ErrorSeverity.Error, SqlState.ProgramLimitExceeded, message);
        tracker.Expect(new(RequestKind.Describe, CompletionHandling.PlanChanged, Error: error.WrittenSpan.ToArray()));
    }
}
