using System.Text;

namespace Pgway.Pooling.PreparedStatements;

/// <summary>
/// One distinct prepared statement (query text and parameter types) under the one name pgway gives
/// it on every server, whatever each client calls it. Counted while a client's name or a server's
/// cache refers to it (under its registry stripe's lock). Its definition is kept once: as the tail of its
/// registry key.
/// </summary>
internal sealed class SharedStatement(string serverName, byte[] key, int definitionStart, int stripe = 0)
{
    /// <summary>Its identity in the registry: the parse context, a zero byte, and the definition.</summary>
    public byte[] Key { get; } = key;

    /// <summary>The name on servers, e.g. <c>pgway_3f9c02a17be4_17</c> (see <see cref="StatementRegistry.ServerNamePrefix"/>).</summary>
    public string ServerName { get; } = serverName;

    /// <summary>The name on servers as a C string (UTF-8 and a zero byte), for the messages that carry it.</summary>
    public byte[] ServerNameBytes { get; } = Encoding.UTF8.GetBytes($"{serverName}\0");

    /// <summary>The Parse body after the statement's name: query text, parameter count and types.</summary>
    public ReadOnlySpan<byte> Definition => Key.AsSpan(definitionStart);

    /// <summary>Bytes of <see cref="Definition"/>.</summary>
    public int DefinitionLength => Key.Length - definitionStart;

    /// <summary>The parse context it was made under (empty for pgway's own statements); decoded once, when first asked.</summary>
    public string ParseContext => parseContext ??= Encoding.UTF8.GetString(Key.AsSpan(0, definitionStart - 1));

    private string? parseContext;

    /// <summary>The registry's stripe it is kept in, whose lock guards <see cref="References"/>.</summary>
    public int Stripe { get; } = stripe;

    /// <summary>Client names and server caches referring to it; the registry forgets it at 0.</summary>
    public int References { get; set; }
}
