using System.Buffers;
using Pgway.Protocol;
using Pgway.Transport;

namespace Pgway.Pooling;

// The client's session parameters on whichever server it holds.
internal sealed partial class ClientSession
{
    // The server is brought to the client's session parameters first, in one round trip the client
    // does not see: each of the client's that differs is set; one a previous client set and this
    // client did not goes back to the server's log-in value, or is RESET when the server reported
    // none (a setting from options). set_config parses a value as the start-up packet would (a list
    // such as search_path stays a list); each is its own Query, so one refused leaves the rest applied.
    // True when the server now has every one of the client's parameters.
    private async Task<bool> ApplyParametersAsync(ILoopTransport attached, PooledServer borrowed)
    {
        List<KeyValuePair<string, string?>>? changes = null;
        foreach (var (name, value) in parameters)
        {
            if (!borrowed.Parameters.TryGetValue(name, out var current) || current != value)
            {
                (changes ??= []).Add(new(name, value));
            }
        }
        foreach (var (name, current) in borrowed.Parameters)
        {
            if (parameters.ContainsKey(name))
            {
                continue;
            }
            if (!borrowed.Login.Parameters.TryGetValue(name, out var original))
            {
                (changes ??= []).Add(new(name, null));
            }
            else if (original != current && TrackedParameters.IsClientSettable(name))
            {
                (changes ??= []).Add(new(name, original));
            }
        }
        if (changes is null)
        {
            return true;
        }
        // Simple queries: the server's unnamed statement is gone.
        borrowed.Unnamed.Owner = null;
        talkingToServer = true;
        var output = new ArrayBufferWriter<byte>();
        foreach (var (name, value) in changes)
        {
            FrontendMessages.Query(output, value is null
                ? $"RESET {QuoteIdentifier(name)}"
                : $"SELECT pg_catalog.set_config({QuoteLiteral(name)}, {QuoteLiteral(value)}, false)");
        }
        await attached.SendAsync(output.WrittenMemory);
        using var reader = new MessageStreamReader(new LoopStream(attached));
        var failed = false;
        var reported = false;
        var allApplied = true;
        for (var answered = 0; answered < changes.Count;)
        {
            var (type, body) = await reader.ReadAsync(MessageHeader.LargeMessageLimit, pooler.Stopping);
            if (type == (byte)BackendMessageCode.ParameterStatus && ServerTraffic.TryParameter(body.Span, out var name, out var value))
            {
                borrowed.Parameters[name] = value;
                reported = true;
            }
            else if (type == (byte)BackendMessageCode.ErrorResponse)
            {
                failed = true;
                allApplied = false;
                ErrorResponseReader.TryRead(body.Span, out var error);
                LogParameterRefused(pooler.Logger, Id, changes[answered].Key, error.GetValueOrDefault('M', "?"));
            }
            else if (type == (byte)BackendMessageCode.ReadyForQuery)
            {
                if (!failed && !reported && !borrowed.Login.Parameters.ContainsKey(changes[answered].Key))
                {
                    // Parameters the server does not report (custom ones) are remembered as set; a
                    // reported one is as the server wrote it (German → German, DMY), or, when it sent
                    // nothing, as it was (utf8 set where UTF8 was).
                    var (changed, setTo) = changes[answered];
                    if (setTo is null)
                    {
                        borrowed.Parameters.Remove(changed);
                    }
                    else
                    {
                        borrowed.Parameters[changed] = setTo;
                    }
                }
                failed = false;
                reported = false;
                answered++;
            }
        }
        // Answered in full (cut short, the flag stays: see talkingToServer).
        EndOwnExchange();
        return allApplied;
    }

    private static string QuoteIdentifier(string name) => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    // E'' reads the same whatever standard_conforming_strings says.
    private static string QuoteLiteral(string value) =>
        $"E'{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal)}'";
}
