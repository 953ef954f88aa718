namespace Pgway.Protocol;

/// <summary>A parsed start-up packet: a StartupMessage, an encryption request, or a CancelRequest.</summary>
/// <param name="ProtocolVersion">For a StartupMessage: major in the high 16 bits, minor in the low.</param>
/// <param name="Parameters">For a StartupMessage: name/value pairs in the order sent (user, database, GUCs…).</param>
/// <param name="CancelKey">For a CancelRequest: the secret key bytes (4 in protocol 3.0, up to 256 in 3.2).</param>
public sealed record StartupPacket(
    StartupPacketKind Kind,
    int ProtocolVersion,
    IReadOnlyList<KeyValuePair<string, string>> Parameters,
    int CancelProcessId,
    byte[] CancelKey)
{
    public int MajorVersion => ProtocolVersion >> 16;

    public int MinorVersion => ProtocolVersion & 0xFFFF;

    public string? this[string name] => Parameters.FirstOrDefault(p => p.Key == name).Value;

    public string? User => this["user"];

    /// <summary>The database, which defaults to the user name as PostgreSQL's does.</summary>
    public string? Database => this["database"] ?? User;
}
