namespace Pgway.Protocol;

/// <summary>A peer broke the protocol (SQLSTATE 08P01, <see cref="SqlState.ProtocolViolation"/>): the connection cannot go on.</summary>
public sealed class PostgresProtocolException(string message) : Exception(message);
