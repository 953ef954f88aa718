using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Pgway.Admin;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.Model;
using Pgway.Routing;
using Pgway.Tests.Admin;

namespace Pgway.Tests.Cli;

/// <summary>What the `pgway switchover` and `pgway unfence` tests ask: an admin endpoint with given answers, or a running host.</summary>
internal static class AdminActionHosts
{
    /// <summary>Where these tests' endpoints write their token, as serve does (one file per address and port), for the commands' --runtime-dir.</summary>
    public static readonly string RuntimeDirectory = CreateRemovedAtExit();

    // One directory for the whole test process, removed as it ends (every run left one behind before).
    private static string CreateRemovedAtExit()
    {
        var path = Directory.CreateTempSubdirectory("pgway-cli-tests-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
                // Best effort at exit: a leftover temp directory of token files harms nothing.
            }
        };
        return path;
    }

    /// <summary>An admin endpoint on loopback whose actions are <paramref name="sources"/>', its token written to <see cref="RuntimeDirectory"/>.</summary>
    public static async Task<(AdminEndpoint Endpoint, int Port)> StartEndpointAsync(AdminSources sources, AdminCredentials? credentials = null)
    {
        var port = StatusSamples.FreePort();
        var listen = new IPEndPoint(IPAddress.Loopback, port);
        var endpoint = await AdminEndpoint.StartAsync([new AdminListen(listen, credentials)], sources, CancellationToken.None);
        if (credentials is null)
        {
            // As serve writes it: only for an address the inventory gives no credentials.
            Assert.Null(AdminTokenFile.Write(AdminTokenFile.PathFor(RuntimeDirectory, listen), endpoint.Token));
        }
        return (endpoint, port);
    }

    /// <summary>A gateway hosting pg-test (pg-test-1 primary on 127.0.0.1, pg-test-2 replica), no services, its admin endpoint on the port returned.</summary>
    public static async Task<(GatewayHost Host, int Port)> StartHostAsync()
    {
        var port = StatusSamples.FreePort();
        var topology = TestInventories.LoadValid($$"""
            all:
              children:
                pg-test:
                  hosts:
                    127.0.0.1: { pg_seq: 1, pg_role: primary }
                    127.0.0.2: { pg_seq: 2, pg_role: replica }
                  vars: { pg_cluster: pg-test, haproxy_exporter_port: {{port}}, pg_default_services: [] }
            """);
        var options = new GatewayOptions(["127.0.0.1"], RunAgents: false, HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty)
        {
            RunPoolers = false,
            AdminTokenDirectory = RuntimeDirectory,
        };
        return (await GatewayHost.StartAsync(topology, options, TimeProvider.System, NullLoggerFactory.Instance, CancellationToken.None), port);
    }
}
