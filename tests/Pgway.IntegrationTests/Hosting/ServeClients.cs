using System.Net;
using System.Net.Sockets;
using Npgsql;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Hosting;

/// <summary>Clients of a running serve in the reload and drain tests: connections through a port, and whether a port accepts.</summary>
internal static class ServeClients
{
    /// <summary>A connection to the primary's address on <paramref name="port"/>, not pooled by Npgsql, so closing it closes the session.</summary>
    public static NpgsqlConnection Connection(PgTestCluster cluster, int port, string user = PgTestUsers.Dba, string database = PgTestCluster.DefaultDatabase)
    {
        var builder = cluster.ConnectionStringBuilder(cluster.Primary, user, database);
        builder.Port = port;
        builder.Pooling = false;
        builder.Timeout = 10;
        return new NpgsqlConnection(builder.ConnectionString);
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Whether something listens on the port: a TCP connection opened and closed at once.</summary>
    public static async Task<bool> AcceptsAsync(IPAddress address, int port)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(address, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
