using Microsoft.Extensions.Logging;
using Pgway.Model;

namespace Pgway.Pooling;

// Settings changed while the pooler runs (the admin console's RELOAD and SET): the options are
// swapped whole, and what the pools copied from them (sizes, limits, ages) is set again.
public sealed partial class Pooler
{
    /// <summary>
    /// Applies <paramref name="next"/> live: pool sizes and limits to every pool (servers over a
    /// lowered limit close as they are released), timeouts from the next check, authentication
    /// (secrets, hba rules, <c>auth_type</c>) to the next log-in. The listening and server addresses
    /// cannot change without a restart: they are kept, with a warning when they differ.
    /// </summary>
    public void Reload(PoolerOptions next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var current = Options;
        if (!next.Listen.Equals(current.Listen) || !next.Backend.Equals(current.Backend))
        {
            LogAddressesKept(Logger, current.Listen.ToString(), current.Backend.ToString());
        }
        var settings = next.Settings;
        Volatile.Write(ref options, next with { Listen = current.Listen, Backend = current.Backend, Target = current.Target, Reloader = next.Reloader ?? current.Reloader, InventoryReload = next.InventoryReload ?? current.InventoryReload, Switchover = next.Switchover ?? current.Switchover });
        // Users, passwords, auth_user or auth_query may have changed: nothing derived from the old ones is
        // reused (verifiers are keyed by password too, so one derived meanwhile from the old options is never wrong).
        Verifiers.Clear();
        AuthQueryAnswers.Clear();
        foreach (var ((database, _), pool) in pools)
        {
            pool.Limits = LimitsFor(settings, Listed(settings, database));
        }
        foreach (var (database, budget) in databaseBudgets)
        {
            budget.Limit = Listed(settings, database)?.ConnectionLimit ?? settings.MaxDbConnections;
        }
        foreach (var (user, budget) in userBudgets)
        {
            var listedUser = settings.Users.FirstOrDefault(u => u.Name == user);
            budget.Limit = listedUser?.ConnectionLimit ?? settings.MaxUserConnections;
        }
    }

    private static PoolDatabase? Listed(PoolerSettings settings, string database) => settings.Databases.FirstOrDefault(d => d.Name == database);

    /// <summary>A pool's limits: the database's own from <c>pg_databases</c>, the pooler's otherwise.</summary>
    internal static PoolLimits LimitsFor(PoolerSettings settings, PoolDatabase? listedDatabase) => new(
        Size: listedDatabase?.PoolSize ?? settings.DefaultPoolSize,
        MinSize: listedDatabase?.PoolSizeMin ?? settings.MinPoolSize,
        ReserveSize: listedDatabase?.PoolReserve ?? settings.ReservePoolSize,
        ReserveTimeout: settings.ReservePoolTimeout,
        Lifetime: settings.ServerLifetime,
        IdleTimeout: settings.ServerIdleTimeout,
        LoginRetry: settings.ServerLoginRetry);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: reload: the listening and server addresses cannot change without a restart; still {Listen} to {Backend}")]
    private static partial void LogAddressesKept(ILogger logger, string listen, string backend);
}
