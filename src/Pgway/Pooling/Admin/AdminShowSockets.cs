using Pgway.Protocol;
using static Pgway.Pooling.Admin.AdminConsole;

namespace Pgway.Pooling.Admin;

/// <summary>SHOW CLIENTS and SHOW SERVERS, with PgBouncer 1.18's columns, from each client's state read on its own loop.</summary>
internal static class AdminShowSockets
{
    private static readonly ColumnDescription[] Columns =
    [
        ColumnDescription.Text("type"), ColumnDescription.Text("user"), ColumnDescription.Text("database"), ColumnDescription.Text("state"),
        ColumnDescription.Text("addr"), ColumnDescription.Int4("port"), ColumnDescription.Text("local_addr"), ColumnDescription.Int4("local_port"),
        ColumnDescription.Text("connect_time"), ColumnDescription.Text("request_time"), ColumnDescription.Int4("wait"), ColumnDescription.Int4("wait_us"),
        ColumnDescription.Int4("close_needed"), ColumnDescription.Text("ptr"), ColumnDescription.Text("link"), ColumnDescription.Int4("remote_pid"),
        ColumnDescription.Text("tls"), ColumnDescription.Text("application_name"),
    ];

    public static async Task<AdminReply> ClientsAsync(AdminConsole console)
    {
        var rows = new List<string?[]>();
        foreach (var client in await console.Pooler.ClientsAsync())
        {
            var wait = (long)client.Wait.TotalMicroseconds;
            rows.Add([
                "C", client.User, client.Pool is null ? DatabaseName : client.Database, client.Waiting ? "waiting" : "active",
                client.Remote?.Address.ToString(), Number(client.Remote?.Port ?? 0), client.Local?.Address.ToString(), Number(client.Local?.Port ?? 0),
                Time(client.ConnectTime), Time(client.RequestTime), Number(wait / 1_000_000), Number(wait % 1_000_000), "0",
                Pointer(client.Id), client.Server is { } server ? Pointer(server.Id) : "", "0", "", client.ApplicationName ?? "",
            ]);
        }
        return AdminReply.Table(Columns, rows);
    }

    /// <summary>Servers lent to clients (active) and idle in their pools; a server being connected is not listed yet.</summary>
    public static async Task<AdminReply> ServersAsync(AdminConsole console)
    {
        var pooler = console.Pooler;
        var backend = pooler.Options.Backend;
        var servers = new List<(ServerSnapshot Server, string State)>();
        foreach (var client in await pooler.ClientsAsync())
        {
            if (client.Server is { } server)
            {
                servers.Add((server, "active"));
            }
        }
        foreach (var pool in pooler.AllPools())
        {
            foreach (var server in pool.IdleServers())
            {
                servers.Add((server, "idle"));
            }
        }
        servers.Sort(static (a, b) => a.Server.Id.CompareTo(b.Server.Id));
        var rows = new List<string?[]>(servers.Count);
        foreach (var (server, state) in servers)
        {
            rows.Add([
                "S", server.User, server.Database, state, (server.Remote ?? backend).Address.ToString(), Number((server.Remote ?? backend).Port),
                server.Local?.Address.ToString(), Number(server.Local?.Port ?? 0), Time(server.ConnectTime), Time(server.RequestTime),
                "0", "0", Flag(server.CloseNeeded), Pointer(server.Id), server.ClientId is { } client ? Pointer(client) : "",
                Number(server.ProcessId), "", server.ApplicationName ?? "",
            ]);
        }
        return AdminReply.Table(Columns, rows);
    }
}
