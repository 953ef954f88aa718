using System.Net;
using System.Net.Sockets;
using Pgway.Admin;

namespace Pgway.Tests.Admin;

/// <summary>A status document with one of everything the page and the terminal show, and a free loopback port to serve it on.</summary>
internal static class StatusSamples
{
    public static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static StatusReport Report() => new(Now,
        [
            new StatusService("pg-test-replica", "pg-test", "*", 5434, "pgbouncer", "roundrobin", Up: true,
                Sessions: 2, MaxSessions: 5, SessionLimit: 0, TotalSessions: 40, Queue: 0, MaxQueue: 1, QueueLimit: 0, Refused: 3,
                Now.AddMinutes(-5), 300,
                [
                    Member("pg-test-2", backup: false, "down", "DOWN", up: false, new StatusCheck(false, "L4CON", null, "connection refused", 1.4, Now.AddSeconds(-1), 1)),
                    Member("pg-test-3", backup: false, "going-down", "UP 2/3", up: true, new StatusCheck(false, "L7STS/503", 503, "role primary", 12, Now.AddSeconds(-2), 2)),
                    Member("pg-test-1", backup: true, "up", "UP", up: true, new StatusCheck(true, "L7OK/200", 200, "role primary", 3, Now.AddSeconds(-2), 2)),
                ]),
            new StatusService("pg-test-default", "pg-test", "*", 5436, "postgres", "roundrobin", Up: true,
                Sessions: 0, MaxSessions: 0, SessionLimit: 100, TotalSessions: 0, Queue: 0, MaxQueue: 0, QueueLimit: 0, Refused: 0,
                Now.AddHours(-2), 7200,
                [Member("pg-test-1", backup: false, "no-check", "no check", up: true, null)]),
        ],
        [
            new StatusPooler("pg-test-1", 3,
                [new StatusPool("meta", "dbuser_meta", ClientsActive: 2, ClientsWaiting: 1, ServersActive: 1, ServersIdle: 1, PoolSize: 20, Paused: false,
                    Transactions: 5, Queries: 8, AvgTransactionMs: 300, AvgQueryMs: 31.25, TotalWaitMs: 3000, MaxWaitSeconds: 4, ReceivedBytes: 100, SentBytes: 200)]),
        ],
        [
            new StatusEvent(1, Now.AddSeconds(-3), "pg-test-replica", "pg-test-2", "up", "down",
                "pg-test-replica/pg-test-2 is DOWN, reason: L4CON, info: connection refused, check duration: 1ms"),
        ]);

    private static StatusMember Member(string name, bool backup, string state, string status, bool up, StatusCheck? check) =>
        new(name, "10.10.10." + (10 + int.Parse(name[^1..], System.Globalization.CultureInfo.InvariantCulture)), 6432, backup, state, status, up,
            Weight: 100, EffectiveWeight: 100, Sessions: up ? 1 : 0, MaxSessions: 2, SessionLimit: 0, TotalSessions: 20, ConnectFailures: 0,
            Now.AddSeconds(-30), 30, check);

    /// <summary>A loopback port nothing listens on now (the admin endpoint needs a real port: it answers by its listens' ports).</summary>
    public static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
