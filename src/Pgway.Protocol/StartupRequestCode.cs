namespace Pgway.Protocol;

/// <summary>The Int32 code after the length of a start-up packet (which has no type byte).</summary>
public static class StartupRequestCode
{
    /// <summary>StartupMessage, protocol 3.0.</summary>
    public const int Protocol30 = 196608;

    /// <summary>StartupMessage, protocol 3.2 (PostgreSQL 18).</summary>
    public const int Protocol32 = 196610;

    public const int CancelRequest = 80877102;

    public const int SslRequest = 80877103;

    public const int GssEncRequest = 80877104;

    public const int MajorVersion3 = 3;
}
