using Npgsql;
using Pgway.Agent;

namespace Pgway.Switchover;

/// <summary>
/// The fence kept in the instance itself, where every pgway and every agent reads it: the custom setting
/// <c>pgway.fenced</c> (the reason) and <c>default_transaction_read_only = on</c>, both by <c>ALTER SYSTEM</c>
/// (so in <c>postgresql.auto.conf</c>: they survive restarts of PostgreSQL and of pgway). Rebuilding the
/// instance from the new primary (<c>pg_basebackup</c>, <c>pg_rewind</c>) brings the new primary's
/// configuration, without them. <c>ALTER SYSTEM</c> runs on a standby too (it writes no WAL).
/// </summary>
internal static class ServerFence
{
    /// <summary>What the instance says of itself: in recovery or not, and its fence (null when none).</summary>
    public readonly record struct State(bool InRecovery, string? Fence);

    public static async Task<State> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var read = new NpgsqlCommand(
            $"SELECT pg_catalog.pg_is_in_recovery(), pg_catalog.current_setting('{InstanceStatus.FenceSetting}', true)", connection);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var fence = reader.IsDBNull(1) ? null : reader.GetString(1);
        return new State(reader.GetBoolean(0), string.IsNullOrEmpty(fence) ? null : fence);
    }

    /// <summary>Fences the instance: no primary to any agent, read-only for every new transaction.</summary>
    public static async Task SetAsync(NpgsqlConnection connection, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reason);
        // ALTER SYSTEM takes no parameters and runs alone (not in a transaction block): one command each.
        // Before PostgreSQL 17 it knows a custom setting only once the session has one of that name.
        await RunAsync(connection, PlaceholderSql, cancellationToken);
        await RunAsync(connection, $"ALTER SYSTEM SET {InstanceStatus.FenceSetting} = '{reason.Replace("'", "''", StringComparison.Ordinal)}'", cancellationToken);
        await RunAsync(connection, "ALTER SYSTEM SET default_transaction_read_only = on", cancellationToken);
        await RunAsync(connection, "SELECT pg_catalog.pg_reload_conf()", cancellationToken);
    }

    /// <summary>Clears the fence and the read-only default it set.</summary>
    public static async Task ClearAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await RunAsync(connection, PlaceholderSql, cancellationToken);
        await RunAsync(connection, $"ALTER SYSTEM RESET {InstanceStatus.FenceSetting}", cancellationToken);
        await RunAsync(connection, "ALTER SYSTEM RESET default_transaction_read_only", cancellationToken);
        await RunAsync(connection, "SELECT pg_catalog.pg_reload_conf()", cancellationToken);
    }

    private static readonly string PlaceholderSql = $"SET {InstanceStatus.FenceSetting} = ''";

    private static async Task RunAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
