namespace Pgway.Protocol;

/// <summary>SQLSTATE codes pgway sends itself.</summary>
public static class SqlState
{
    public const string ConnectionFailure = "08006";

    /// <summary><c>transaction_resolution_unknown</c>: the connection was lost while a request that may have committed was in flight.</summary>
    public const string TransactionResolutionUnknown = "08007";
    public const string ProtocolViolation = "08P01";
    public const string InvalidAuthorizationSpecification = "28000";
    public const string InvalidPassword = "28P01";
    public const string TooManyConnections = "53300";

    /// <summary><c>configuration_limit_exceeded</c>: a limit set in pgway's configuration is reached.</summary>
    public const string ConfigurationLimitExceeded = "53400";

    /// <summary><c>program_limit_exceeded</c>: a request past a limit pgway sets on what one client may hold.</summary>
    public const string ProgramLimitExceeded = "54000";
    public const string QueryCanceled = "57014";
    public const string FeatureNotSupported = "0A000";
    public const string InFailedSqlTransaction = "25P02";
    public const string InvalidCatalogName = "3D000";
    public const string AdminShutdown = "57P01";
    public const string CrashShutdown = "57P02";
    public const string CannotConnectNow = "57P03";
    public const string InternalError = "XX000";
}
