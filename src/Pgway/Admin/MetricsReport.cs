using Pgway.Health;
using Pgway.Pooling;
using Pgway.Routing;

namespace Pgway.Admin;

/// <summary>
/// Writes what <c>/metrics</c> shows from snapshots taken at scrape time, so traffic pays nothing for it:
/// pgway's own families (<c>pgway_</c>) and the HAProxy exporter's names Pigsty's dashboards read.
/// </summary>
internal static class MetricsReport
{
    private const double MicrosecondsPerSecond = 1_000_000;

    /// <param name="cancels">The process's cancel requests; null leaves the family out (a report of poolers alone).</param>
    public static string Write(IReadOnlyList<ServiceRouteSnapshot> services, IReadOnlyList<PoolerMetrics> poolers, CancelCounts? cancels = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(poolers);
        var w = new PrometheusWriter();
        WriteServices(w, services);
        WriteClientsAndServers(w, services, poolers);
        WriteMembers(w, services);
        WriteHaproxy(w, services);
        WritePools(w, poolers);
        if (cancels is not null)
        {
            WriteCancels(w, cancels);
        }
        return w.ToString();
    }

    private static void WriteCancels(PrometheusWriter w, CancelCounts cancels)
    {
        w.Family("pgway_cancel_requests_total", "counter",
            "CancelRequests on pooler ports, by outcome: local (a session here), forwarded (to the node that issued the key), forward_failed (that node did not take it in time), dropped (no session anywhere known).");
        w.Sample(cancels.Local, ("outcome", "local"));
        w.Sample(cancels.Forwarded, ("outcome", "forwarded"));
        w.Sample(cancels.ForwardFailed, ("outcome", "forward_failed"));
        w.Sample(cancels.Dropped, ("outcome", "dropped"));
    }

    private static void WriteServices(PrometheusWriter w, IReadOnlyList<ServiceRouteSnapshot> services)
    {
        void Each(string name, string type, string help, Func<ServiceRouteSnapshot, double> value)
        {
            w.Family(name, type, help);
            foreach (var s in services)
            {
                w.Sample(value(s), ("service", s.Service));
            }
        }
        Each("pgway_service_up", "gauge", "Whether any member of the service is up (1) or none (0).", s => s.IsUp ? 1 : 0);
        Each("pgway_service_current_sessions", "gauge", "Connections the service holds to its members now: one per client when spliced, server connections for dest: pool.", s => s.Sessions);
        Each("pgway_service_max_sessions", "gauge", "Most client sessions the service forwarded at once.", s => s.MaxSessions);
        Each("pgway_service_sessions_total", "counter", "Client sessions the service forwarded.", s => s.TotalSessions);
        Each("pgway_service_current_queue", "gauge", "Clients waiting for a member's free slot now.", s => s.Queue);
        Each("pgway_service_max_queue", "gauge", "Most clients that waited at once.", s => s.MaxQueue);
        Each("pgway_service_redispatches_total", "counter", "Connections moved to another member after one refused or timed out.", s => s.Redispatches);
        w.Family("pgway_service_refused_total", "counter", "Clients refused, by reason.");
        foreach (var s in services)
        {
            w.Sample(s.RefusedNoServer, ("service", s.Service), ("reason", "no_server"));
            w.Sample(s.RefusedQueueFull, ("service", s.Service), ("reason", "queue_full"));
            w.Sample(s.RefusedQueueTimeout, ("service", s.Service), ("reason", "queue_timeout"));
        }
    }

    // Sessions alone mislead on a dest: pool service: its pooler keeps server connections open with no client at all.
    private static void WriteClientsAndServers(PrometheusWriter w, IReadOnlyList<ServiceRouteSnapshot> services, IReadOnlyList<PoolerMetrics> poolers)
    {
        w.Family("pgway_service_current_clients", "gauge", "Clients connected through the service now.");
        foreach (var s in services)
        {
            var pooler = poolers.FirstOrDefault(p => p.IsService && p.Instance == s.Service);
            w.Sample(pooler?.Clients ?? s.Sessions, ("service", s.Service));
        }
        w.Family("pgway_service_current_servers", "gauge", "Server connections the service holds to its members now.");
        foreach (var s in services)
        {
            w.Sample(s.Sessions, ("service", s.Service));
        }
    }

    private static void WriteMembers(PrometheusWriter w, IReadOnlyList<ServiceRouteSnapshot> services)
    {
        void Each(string name, string type, string help, Func<MemberRouteSnapshot, double> value)
        {
            w.Family(name, type, help);
            foreach (var s in services)
            {
                foreach (var m in s.Members)
                {
                    w.Sample(value(m), ("service", s.Service), ("member", m.Name));
                }
            }
        }
        Each("pgway_member_up", "gauge", "Whether the member takes new sessions (1) or not (0).", m => m.IsUp ? 1 : 0);
        Each("pgway_member_backup", "gauge", "Whether the member is a backup (1), used only when no active member is up.", m => m.IsBackup ? 1 : 0);
        Each("pgway_member_weight", "gauge", "The member's configured weight.", m => m.Weight);
        Each("pgway_member_effective_weight", "gauge", "The weight balancing uses now (lower while slowstart ramps).", m => m.EffectiveWeight);
        Each("pgway_member_current_sessions", "gauge", "Connections to the member now: one per client when spliced, server connections for dest: pool.", m => m.Sessions);
        Each("pgway_member_sessions_total", "counter", "Client sessions forwarded to the member.", m => m.TotalSessions);
        Each("pgway_member_connect_failures_total", "counter", "Connections to the member that failed or timed out.", m => m.ConnectFailures);
        Each("pgway_member_sessions_shutdown_total", "counter", "Sessions closed because the member went down (or a backup gave way).", m => m.SessionsShutdown);
        Each("pgway_member_received_bytes_total", "counter", "Bytes received from clients forwarded to the member.", m => m.BytesFromClients);
        Each("pgway_member_sent_bytes_total", "counter", "Bytes sent to clients from the member.", m => m.BytesToClients);

        // Only members with a check, once it has run: no sample beats a made-up one.
        w.Family("pgway_member_check_duration_seconds", "gauge", "How long the member's last health check took.");
        foreach (var s in services)
        {
            foreach (var m in s.Members)
            {
                if (m.Health?.LastResult is { } result)
                {
                    w.Sample(result.Duration.TotalSeconds, ("service", s.Service), ("member", m.Name));
                }
            }
        }
        w.Family("pgway_member_check_passed", "gauge", "Whether the member's last health check passed (1) or not (0), with HAProxy's check status.");
        foreach (var s in services)
        {
            foreach (var m in s.Members)
            {
                if (m.Health?.LastResult is { } result)
                {
                    w.Sample(Passed(result) ? 1 : 0, ("service", s.Service), ("member", m.Name), ("status", result.Reason));
                }
            }
        }
    }

    private static bool Passed(CheckResult result) => result.Status is CheckStatus.L4Ok or CheckStatus.L7Ok;

    // The HAProxy exporter's names and labels, so Pigsty's dashboards read pgway as they read HAProxy.
    private static void WriteHaproxy(PrometheusWriter w, IReadOnlyList<ServiceRouteSnapshot> services)
    {
        w.Family("haproxy_server_status", "gauge", "Current status of the server (HAProxy compatible: 1 UP, 0 DOWN).");
        foreach (var s in services)
        {
            foreach (var m in s.Members)
            {
                w.Sample(m.IsUp ? 1 : 0, ("proxy", s.Service), ("server", m.Name));
            }
        }
        w.Family("haproxy_server_current_sessions", "gauge", "Number of current sessions on the server (HAProxy compatible).");
        foreach (var s in services)
        {
            foreach (var m in s.Members)
            {
                w.Sample(m.Sessions, ("proxy", s.Service), ("server", m.Name));
            }
        }
        w.Family("haproxy_backend_status", "gauge", "Current status of the backend (HAProxy compatible: 1 UP, 0 DOWN).");
        foreach (var s in services)
        {
            w.Sample(s.IsUp ? 1 : 0, ("proxy", s.Service));
        }
        w.Family("haproxy_backend_current_sessions", "gauge", "Number of current sessions on the backend (HAProxy compatible).");
        foreach (var s in services)
        {
            w.Sample(s.Sessions, ("proxy", s.Service));
        }
        w.Family("haproxy_backend_current_queue", "gauge", "Number of queued requests on the backend (HAProxy compatible).");
        foreach (var s in services)
        {
            w.Sample(s.Queue, ("proxy", s.Service));
        }
    }

    private static void WritePools(PrometheusWriter w, IReadOnlyList<PoolerMetrics> poolers)
    {
        w.Family("pgway_pooler_clients", "gauge", "Clients connected to the pooler now (logging in or logged in).");
        foreach (var p in poolers)
        {
            w.Sample(p.Clients, ("instance", p.Instance));
        }
        void Each(string name, string type, string help, Func<PoolSnapshot, double> value)
        {
            w.Family(name, type, help);
            foreach (var p in poolers)
            {
                foreach (var pool in p.Pools)
                {
                    w.Sample(value(pool), ("instance", p.Instance), ("database", pool.Database), ("user", pool.User));
                }
            }
        }
        Each("pgway_pool_clients_active", "gauge", "Clients linked to a server or idle, not waiting (PgBouncer's cl_active).", p => p.ClientsActive);
        Each("pgway_pool_clients_waiting", "gauge", "Clients waiting for a server (cl_waiting).", p => p.ClientsWaiting);
        Each("pgway_pool_servers_active", "gauge", "Server connections lent to a client (sv_active).", p => p.ServersActive);
        Each("pgway_pool_servers_idle", "gauge", "Server connections idle in the pool (sv_idle).", p => p.ServersIdle);
        Each("pgway_pool_size", "gauge", "The pool's size limit (pool_size).", p => p.PoolSize);
        Each("pgway_pool_paused", "gauge", "Whether the pool is paused from the admin console (1) or not (0).", p => p.Paused ? 1 : 0);
        Each("pgway_pool_transactions_total", "counter", "Transactions pooled (total_xact_count).", p => p.Statistics.TotalTransactionCount);
        Each("pgway_pool_queries_total", "counter", "Queries pooled (total_query_count).", p => p.Statistics.TotalQueryCount);
        Each("pgway_pool_transaction_seconds_total", "counter", "Time spent in transactions (total_xact_time).", p => p.Statistics.TotalTransactionTime / MicrosecondsPerSecond);
        Each("pgway_pool_query_seconds_total", "counter", "Time spent in queries (total_query_time).", p => p.Statistics.TotalQueryTime / MicrosecondsPerSecond);
        Each("pgway_pool_wait_seconds_total", "counter", "Time clients spent waiting for a server (total_wait_time).", p => p.Statistics.TotalWaitTime / MicrosecondsPerSecond);
        Each("pgway_pool_received_bytes_total", "counter", "Bytes received from clients (total_received).", p => p.Statistics.TotalReceived);
        Each("pgway_pool_sent_bytes_total", "counter", "Bytes sent to clients (total_sent).", p => p.Statistics.TotalSent);
        w.Family("pgway_pooler_disconnects_total", "counter", "Clients disconnected, by reason.");
        foreach (var p in poolers)
        {
            foreach (var reason in Enum.GetValues<DisconnectReason>())
            {
                w.Sample(p.Disconnects.GetValueOrDefault(reason), ("instance", p.Instance), ("reason", DisconnectReasons.Label(reason)));
            }
        }
    }
}
