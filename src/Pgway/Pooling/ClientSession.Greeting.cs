using System.Buffers;
using System.Buffers.Binary;
using Pgway.Protocol;

namespace Pgway.Pooling;

// The end of every log-in, to a pool or to the admin console: written here only.
internal sealed partial class ClientSession
{
    // AuthenticationOk, a ParameterStatus for each of welcome (the client's own value instead where
    // own has one), a cancel key of pgway's own (a cancel request finds this session by it), and
    // ReadyForQuery: the client may send its first query.
    private async Task GreetAsync(IEnumerable<KeyValuePair<string, string>> welcome, Dictionary<string, string>? own)
    {
        var output = new ArrayBufferWriter<byte>();
        BackendMessages.AuthenticationOk(output);
        foreach (var (name, value) in welcome)
        {
            BackendMessages.ParameterStatus(output, name, own is null ? value : own.GetValueOrDefault(name, value));
        }
        var (processId, key) = (cancelKey = pooler.CancelKeys.Issue(this)).Value;
        // The key is a 32-bit integer, sent as four bytes.
        Span<byte> secret = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(secret, key);
        BackendMessages.BackendKeyData(output, processId, secret);
        BackendMessages.ReadyForQuery(output, TransactionStatus.Idle);
        await client.SendAsync(output.WrittenMemory);
    }
}
