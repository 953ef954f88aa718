using System.CommandLine;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pgway.Admin;
using Pgway.Dns;
using Pgway.Health;
using Pgway.Hosting;
using Pgway.Routing;
using Pgway.Transport;

namespace Pgway.Cli.Commands;

/// <summary>
/// <c>pgway serve</c>: runs, for the nodes this process hosts, the health agents of their instances
/// and every service of their clusters, until Ctrl-C.
/// </summary>
internal static partial class ServeCommand
{
    public const string Name = "serve";

    public static Command Create(CliContext context)
    {
        var config = CommonOptions.Config();
        var node = new Option<string[]>("--node") { Description = "A node address this process hosts (repeatable: one process can host a whole test cluster)", Required = true };
        var noAgent = new Option<bool>("--no-agent") { Description = "Do not run pgway's health agent: Patroni answers the checks on patroni_port" };
        var noPooler = new Option<bool>("--no-pooler") { Description = "Do not run pgway's pooler: PgBouncer serves pgbouncer_port" };
        var noAdmin = new Option<bool>("--no-admin") { Description = "Do not serve the stats page, /status.json, /metrics and /healthz on haproxy_exporter_port: HAProxy's stats page is there" };
        var noVip = new Option<bool>("--no-vip") { Description = "Do not keep the clusters' L2 VIPs (pg_vip_address) on this node: vip-manager or keepalived does" };
        var noDns = new Option<bool>("--no-dns") { Description = "Do not serve DNS (the clusters' names from the live routing, docs/dns.md) on the nodes' addresses" };
        var dnsPort = new Option<int>("--dns-port")
        {
            Description = "The UDP and TCP port of the DNS server on each node's address (8600: Consul's, so resolvers that forward to Consul work unchanged)",
            DefaultValueFactory = _ => DnsOptions.DefaultPort,
        };
        var dnsTtl = new Option<double>("--dns-ttl")
        {
            Description = "Seconds resolvers may cache the DNS answers (and negative answers); 0 allowed",
            DefaultValueFactory = _ => DnsOptions.Default.Ttl.TotalSeconds,
        };
        var dnsRate = new Option<double>("--dns-rate")
        {
            Description = "UDP DNS queries a second one source address may send (twice as many at once); 0: no limit",
            DefaultValueFactory = _ => DnsOptions.Default.RatePerSecond,
        };
        var drainTimeout = new Option<double>("--drain-timeout")
        {
            Description = "Seconds sessions may run on after SIGTERM (or on a service a reload removed) before they are closed",
            DefaultValueFactory = _ => GatewayOptions.DefaultDrainTimeout.TotalSeconds,
        };
        var descriptorReserve = new Option<int>("--descriptor-reserve")
        {
            Description = "File descriptors kept below the open-files limit for health checks, agents and the admin endpoint: clients are refused at accept before they would take them",
            DefaultValueFactory = _ => AdmissionLimits.Default.DescriptorReserve,
        };
        var maxStarting = new Option<int>("--max-starting")
        {
            Description = "Clients that have not sent their start-up packet yet, at most (and at most half the clients the open-files limit allows)",
            DefaultValueFactory = _ => AdmissionLimits.Default.MaxStarting,
        };
        var startupTimeout = new Option<double>("--startup-timeout")
        {
            Description = "Seconds a client may take to send its start-up packet before it is closed",
            DefaultValueFactory = _ => AdmissionLimits.Default.StartupTimeout.TotalSeconds,
        };
        var runtimeDirectory = AdminEndpointOptions.RuntimeDirectoryOption("Where to write the admin endpoint's token, for the addresses without admin credentials (pgway switchover and unfence read it there)");
        var logFormat = new Option<LogFormat>("--log-format") { Description = "simple: a line of text per event; json: one JSON object per line", DefaultValueFactory = _ => LogFormat.Simple };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "The lowest level logged: Trace, Debug, Information (a line per connection), Warning, Error", DefaultValueFactory = _ => LogLevel.Information };
        var command = new Command(Name, "Run the services, poolers, health agents and admin endpoints of the nodes this process hosts; SIGHUP reloads, SIGTERM drains")
        {
            config, node, noAgent, noPooler, noAdmin, noVip, noDns, dnsPort, dnsTtl, dnsRate, drainTimeout, descriptorReserve, maxStarting, startupTimeout, runtimeDirectory, logFormat, logLevel,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(drainTimeout) is < 0 or double.NaN)
            {
                result.AddError("--drain-timeout must be 0 or more seconds");
            }
        });
        dnsPort.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 65535)
            {
                result.AddError("--dns-port must be 1 to 65535");
            }
        });
        dnsTtl.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is < 0 or > 86400 or double.NaN)
            {
                result.AddError("--dns-ttl must be 0 to 86400 seconds");
            }
        });
        dnsRate.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is < 0 or > 1_000_000 or double.NaN)
            {
                result.AddError("--dns-rate must be 0 (no limit) to 1000000 queries a second");
            }
        });
        descriptorReserve.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError("--descriptor-reserve must be 0 or more");
            }
        });
        maxStarting.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--max-starting must be 1 or more");
            }
        });
        startupTimeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is <= 0 or double.NaN)
            {
                result.AddError("--startup-timeout must be more than 0 seconds");
            }
        });
        command.SetAction((parse, cancellationToken) =>
        {
            var options = new GatewayOptions([.. (parse.GetValue(node) ?? []).Distinct(StringComparer.Ordinal)], !parse.GetValue(noAgent), HealthMonitorOptions.Default, ServiceListenerOptions.Pigsty)
            {
                RunPoolers = !parse.GetValue(noPooler),
                RunAdmin = !parse.GetValue(noAdmin),
                KeepVips = !parse.GetValue(noVip),
                Dns = parse.GetValue(noDns) ? null : DnsOptions.Default with
                {
                    Port = parse.GetValue(dnsPort),
                    Ttl = TimeSpan.FromSeconds(parse.GetValue(dnsTtl)),
                    RatePerSecond = parse.GetValue(dnsRate),
                    Burst = (int)Math.Min(int.MaxValue, Math.Max(1, 2 * parse.GetValue(dnsRate))),
                },
                DrainTimeout = TimeSpan.FromSeconds(parse.GetValue(drainTimeout)),
                Admission = new AdmissionLimits(parse.GetValue(descriptorReserve), parse.GetValue(maxStarting), TimeSpan.FromSeconds(parse.GetValue(startupTimeout))),
                AdminTokenDirectory = parse.GetValue(runtimeDirectory) ?? AdminTokenFile.DefaultDirectory(Environment.GetEnvironmentVariable),
                LoopThreads = EpollLoopGroup.CountFrom(Environment.GetEnvironmentVariable(EpollLoopGroup.ThreadsVariable)),
            };
            return RunAsync(context, parse.GetValue(config)!, options, parse.GetValue(logFormat), parse.GetValue(logLevel), cancellationToken);
        });
        return command;
    }

    // The token (a caller of RunAsync, as tests are) stops at once; signals drain first.
    private static async Task<int> RunAsync(CliContext context, FileInfo file, GatewayOptions options, LogFormat logFormat, LogLevel logLevel, CancellationToken cancellationToken)
    {
        if (InventoryInput.Load(context, file) is not { } topology)
        {
            return 1;
        }
        using var logging = ConsoleLogging.Create(logFormat, logLevel);
        var logger = logging.CreateLogger(typeof(ServeCommand).FullName!);
        GatewayHost host;
        try
        {
            host = await GatewayHost.StartAsync(topology, options, TimeProvider.System, logging, cancellationToken);
        }
        catch (ArgumentException e)
        {
            context.Error.WriteLine(e.Message);
            return 2;
        }
        catch (InvalidOperationException e)
        {
            // A pooler's auth file or hba file is missing or wrong.
            context.Error.WriteLine(e.Message);
            return 1;
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            context.Error.WriteLine($"cannot listen: {e.Message} (another process on that port, or an address not on this host?)");
            return 1;
        }
        try
        {
            using var signals = new ServeSignals(() => _ = ReloadAsync(host, logger));
            PrintServing(context, host, options.RunAgents);
            await context.Output.FlushAsync(cancellationToken);
            try
            {
                await signals.Stopping.WaitAsync(cancellationToken);
                using var stopNow = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, signals.StopNow);
                await host.DrainAsync(options.DrainTimeout, stopNow.Token);
            }
            catch (OperationCanceledException)
            {
                // Stopped at once: the sessions still open are closed with the host.
                LogStoppedAtOnce(logger);
            }
        }
        finally
        {
            await StopAsync(host, logger);
        }
        LogStopped(logger);
        return 0;
    }

    // A part that does not stop (a check stuck in a driver) must not keep the process from exiting:
    // systemd would wait for TimeoutStopSec and then kill it.
    private static async Task StopAsync(GatewayHost host, ILogger logger)
    {
        LogStopping(logger);
        var stopping = host.DisposeAsync().AsTask();
        if (await Task.WhenAny(stopping, Task.Delay(StopTimeout)) != stopping)
        {
            LogStopStuck(logger, StopTimeout.TotalSeconds);
            return;
        }
        await stopping;
    }

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private static async Task ReloadAsync(GatewayHost host, ILogger logger)
    {
        LogReloadSignal(logger, host.SourceFile);
        try
        {
            await host.ReloadFromFileAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            // The host logs a rejected configuration itself; this is for what it did not expect.
            LogReloadFailed(logger, e);
        }
    }

    private static void PrintServing(CliContext context, GatewayHost host, bool runAgents)
    {
        foreach (var port in host.ServicePorts())
        {
            var service = port.Route.Service;
            var members = string.Join(", ", service.Members.Select(m => m.IsBackup ? $"{m.Name} (backup)" : m.Name));
            context.Output.WriteLine($"{service.FullName,-24} {port.LocalEndPoint,-22} → {service.Destination,-10} {members}");
        }
        foreach (var pooler in host.Poolers)
        {
            context.Output.WriteLine($"{"pooler",-24} {pooler.LocalEndPoint,-22} → {pooler.Options.Backend,-10} {pooler.Options.Settings.PoolMode.ToString().ToLowerInvariant()} mode");
        }
        foreach (var url in host.AdminUrls)
        {
            context.Output.WriteLine($"{"admin",-24} {url,-22} / (stats page) /status.json /metrics /healthz");
        }
        foreach (var endPoint in host.DnsEndPoints)
        {
            context.Output.WriteLine($"{"dns",-24} {endPoint,-22} UDP and TCP: the clusters' names from the live routing");
        }
        foreach (var file in host.AdminTokenFiles)
        {
            context.Output.WriteLine($"{"admin token",-24} {file} (POST /switchover and /unfence; readable by this user only)");
        }
        context.Output.WriteLine($"serving {host.ServicePorts().Count} services and {host.Poolers.Count} poolers of {string.Join(", ", host.Clusters.Select(c => c.Name))}{(runAgents ? " with health agents" : "")}; Ctrl-C to stop (SIGTERM and Ctrl-C drain first, SIGHUP reloads)");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SIGHUP: reloading {File}")]
    private static partial void LogReloadSignal(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Error, Message = "reload failed")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "stopping at once: the sessions still open are closed")]
    private static partial void LogStoppedAtOnce(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopping: closing the services, poolers, health checks, agents and admin endpoint")]
    private static partial void LogStopping(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "stopping took over {Seconds}s; exiting without waiting for the rest")]
    private static partial void LogStopStuck(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "pgway stopped")]
    private static partial void LogStopped(ILogger logger);
}
