using System.Buffers.Binary;

namespace Pgway.Differential.Wire;

/// <summary>
/// One message a client sends, as bytes, with a readable rendering for repro output. Whether
/// PostgreSQL answers it with a ReadyForQuery is decided by the generator, which knows whether the
/// message arrives inside COPY IN (where PostgreSQL ignores Sync and Flush).
/// </summary>
/// <param name="Type">The type byte ('Q', 'P', 'B'…).</param>
/// <param name="Body">The body after the length word.</param>
/// <param name="Text">How the repro prints it, e.g. <c>Parse "s1" "SELECT 1"</c>.</param>
/// <param name="Ready">The number of ReadyForQuery messages PostgreSQL answers it with (0 or 1).</param>
/// <param name="Completions">
/// For steps that end in Flush: answers that complete this message (ParseComplete, BindComplete,
/// CloseComplete, RowDescription/NoData of a Describe, CommandComplete/PortalSuspended of an Execute).
/// </param>
public sealed record FrontendMessage(char Type, byte[] Body, string Text, int Ready = 0, int Completions = 0)
{
    /// <summary>The whole message: type, length, body.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[5 + Body.Length];
        bytes[0] = (byte)Type;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(1), 4 + Body.Length);
        Body.CopyTo(bytes, 5);
        return bytes;
    }

    public override string ToString() => Text;
}
