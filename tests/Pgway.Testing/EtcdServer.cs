using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Pgway.Testing;

/// <summary>
/// The single-member etcd a <see cref="PatroniTestCluster"/> uses as its DCS, on the cluster's first loopback
/// address with the standard ports, with its data directory and log in the cluster's directory.
/// </summary>
internal sealed class EtcdServer
{
    /// <summary>etcd's standard client port.</summary>
    public const int ClientPort = 2379;

    /// <summary>etcd's standard peer port.</summary>
    public const int PeerPort = 2380;

    private readonly HttpClient _http;
    private DaemonProcess? _process;

    internal EtcdServer(IPAddress address, string directory, HttpClient http)
    {
        Address = address;
        Directory = directory;
        _http = http;
    }

    /// <summary>The loopback address etcd listens on.</summary>
    public IPAddress Address { get; }

    /// <summary>The client URL, <c>http://&lt;address&gt;:2379</c>, as Patroni and vip-manager are given it.</summary>
    public Uri ClientUrl => new($"http://{Address}:{ClientPort}");

    /// <summary>The client endpoint as <c>host:port</c>, the form of Patroni's <c>etcd3.hosts</c>.</summary>
    public string ClientEndpoint => $"{Address}:{ClientPort}";

    /// <summary>The directory holding etcd's data directory, log and PID file.</summary>
    public string Directory { get; }

    /// <summary>etcd's <c>--data-dir</c>.</summary>
    public string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>etcd's stdout and stderr.</summary>
    public string LogPath => Path.Combine(Directory, "etcd.log");

    /// <summary>The PID of etcd while it runs; null once stopped.</summary>
    public int? Pid => _process is { IsRunning: true } process ? process.Pid : null;

    internal string PidFilePath => Path.Combine(Directory, "etcd.pid");

    private string ReaperKey => $"etcd {DataDirectory}";

    /// <summary>The most recent lines of <see cref="LogPath"/>.</summary>
    public string ReadLogTail(int lines = 40) => LogTail.Read(LogPath, lines);

    /// <summary>
    /// Reads <paramref name="key"/> (e.g. <c>/service/pg-test/leader</c>) through etcd's v3 JSON gateway;
    /// null when the key does not exist, empty when it exists without a value.
    /// </summary>
    public async Task<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var response = await _http.PostAsJsonAsync(
            new Uri(ClientUrl, "/v3/kv/range"),
            new JsonObject { ["key"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(key)) },
            cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
        if (body?["kvs"] is not JsonArray { Count: > 0 } kvs)
        {
            return null;
        }

        // The gateway leaves an empty value out altogether (proto3 JSON), as for Patroni's fresh initialize key.
        var value = kvs[0]?["value"]?.GetValue<string>();
        return value is null ? string.Empty : Encoding.UTF8.GetString(Convert.FromBase64String(value));
    }

    /// <inheritdoc/>
    public override string ToString() => $"etcd ({ClientUrl})";

    /// <summary>Starts etcd and returns once it reports itself healthy.</summary>
    internal async Task StartAsync(string program, string clusterToken, TimeSpan timeout, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var clientUrl = $"http://{ClientEndpoint}";
        var peerUrl = $"http://{Address}:{PeerPort}";
        _process = DaemonProcess.Start(new DaemonCommand(
            program,
            [
                "--name", "etcd-1",
                "--data-dir", DataDirectory,
                "--listen-client-urls", clientUrl,
                "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl,
                "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", $"etcd-1={peerUrl}",
                "--initial-cluster-state", "new",
                "--initial-cluster-token", clusterToken,
            ],
            DataDirectory,
            Directory,
            LogPath,
            PidFilePath));
        var process = _process;
        ExitReaper.Track(ReaperKey, () => process.Kill());
        await Wait.UntilAsync(
            async token => process.IsRunning
                ? await IsHealthyAsync(token)
                : throw new InvalidOperationException(LogTail.Describe($"{this} exited with code {process.ExitCode} while starting.", LogPath)),
            timeout,
            () => LogTail.Describe($"{this} did not report itself healthy.", LogPath),
            cancellationToken);
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="gracePeriod"/>. Never throws.</summary>
    internal async Task StopAsync(TimeSpan gracePeriod)
    {
        if (_process is not { } process)
        {
            return;
        }

        if (await process.StopAsync(gracePeriod))
        {
            ExitReaper.Forget(ReaperKey);
            process.Dispose();
            _process = null;
        }
    }

    private async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(ClientUrl, "/health"), cancellationToken);
            var body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
            return response.IsSuccessStatusCode && string.Equals(body?["health"]?.GetValue<string>(), "true", StringComparison.Ordinal);
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The HttpClient's own timeout: etcd is not ready yet.
            return false;
        }
    }
}
