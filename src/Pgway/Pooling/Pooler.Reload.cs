using Microsoft.Extensions.Logging;
using Pgway.Model;

namespace Pgway.Pooling;

// Settings changed while the pooler runs (the admin console's RELOAD and SET): the options are
// swapped whole, and what the pools copied from them (sizes, limits, ages) is set again.
internal sealed partial class Pooler
{
    /// <summary>
    /// Applies <paramref name="next"/> live, its TLS files read first (see <see cref="Reload(PoolerReload)"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">A TLS file is missing or unusable: nothing changed.</exception>
    public void Reload(PoolerOptions next) => Reload(PoolerReload.Load(next));

    /// <summary>
    /// Applies <paramref name="next"/> live: pool sizes and limits to every pool (servers over a
    /// lowered limit close as they are released), timeouts from the next check, authentication
    /// (secrets, hba rules, <c>auth_type</c>) to the next log-in, TLS (modes, certificates, CAs,
    /// protocols) to the next connection, client or server. The listening address cannot change
    /// without a restart, nor the server address of a node's pooler: they are kept, with a warning
    /// when they differ.
    /// </summary>
    public void Reload(PoolerReload next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var current = Options;
        var wanted = next.Options;
        // A dest: pool service's server address is only shown (its route chooses each server's member).
        var backend = current.Target is null ? current.Backend : wanted.Backend;
        if (!wanted.Listen.Equals(current.Listen) || !wanted.Backend.Equals(backend))
        {
            LogAddressesKept(Logger, current.Listen.ToString(), backend.ToString());
        }
        var settings = wanted.Settings;
        Volatile.Write(ref options, wanted with
        {
            Listen = current.Listen, Backend = backend, Target = current.Target, Admission = current.Admission,
            Control = wanted.Control ?? current.Control,
        });
        var previousTls = Interlocked.Exchange(ref tls, next.Tls);
        if (next.Tls != previousTls)
        {
            LogTlsReloaded(Logger, next.Tls.ClientMode, next.Tls.ServerMode);
        }
        // Users, passwords, auth_user or auth_query may have changed: nothing derived from the old ones is
        // reused (verifiers are keyed by password too, so one derived meanwhile from the old options is never wrong).
        Verifiers.Clear();
        AuthQueryAnswers.Clear();
        // Nor kept: a password changed or removed leaves no key derived from it in memory.
        Authentication.SaltedPasswords.Forget();
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

    [LoggerMessage(Level = LogLevel.Information, Message = "pooler: reload: TLS for new connections: client_tls_sslmode {ClientMode}, server_tls_sslmode {ServerMode}")]
    private static partial void LogTlsReloaded(ILogger logger, TlsMode clientMode, TlsMode serverMode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pooler: reload: the listening and server addresses cannot change without a restart; still {Listen} to {Backend}")]
    private static partial void LogAddressesKept(ILogger logger, string listen, string backend);
}
