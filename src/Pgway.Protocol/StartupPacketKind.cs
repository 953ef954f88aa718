namespace Pgway.Protocol;

/// <summary>What a client's first packet asks for.</summary>
public enum StartupPacketKind
{
    Startup,
    SslRequest,
    GssEncRequest,
    CancelRequest,
}
