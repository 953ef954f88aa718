using System.Collections.Immutable;
using System.Text.Json;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Mvccpb;
using Pgway.Model;

namespace Pgway.Dcs;

/// <summary>
/// Follows one cluster's Patroni state in etcd (v3 API, as Patroni's <c>etcd3</c> writes it): reads the scope's
/// keys, then watches them from the next revision, and reports every change of the leader key at once. When
/// etcd cannot be reached the watch says so (<see cref="IsConnected"/>, a warning repeated with backoff) and
/// keeps trying; meanwhile the health checks alone decide, as without a DCS.
/// </summary>
internal sealed partial class DcsWatch : IAsyncDisposable
{
    private readonly DcsConfig config;
    private readonly Action<DcsLeaderChange> onLeader;
    private readonly DcsWatchOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly EtcdClient client;
    private readonly string endpoints;
    private Task? run;
    private volatile bool connected;
    private volatile bool leaderKnown;
    private volatile string? leader;
    // Ticks of the UTC time the watch lost etcd (0 while connected): how long the last leader read has gone unconfirmed.
    private long lostAtTicks;
    private long leaderEpoch;
    private ImmutableDictionary<string, string> members = ImmutableDictionary<string, string>.Empty;

    /// <param name="onLeader">Called on the watch's task for every change of the leader (the first read included), before <see cref="LeaderChanged"/>.</param>
    public DcsWatch(string cluster, DcsConfig config, Action<DcsLeaderChange> onLeader, DcsWatchOptions options, TimeProvider time, ILogger<DcsWatch> logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        Cluster = cluster;
        Keys = new PatroniKeys(config.Namespace, cluster);
        this.config = config;
        this.onLeader = onLeader;
        this.options = options;
        this.time = time;
        this.logger = logger;
        // Only ever logged redacted: an endpoint may carry etcd's user and password.
        endpoints = string.Join(", ", config.Endpoints.Select(UrlRedaction.Redact));
        client = new EtcdClient(string.Join(",", config.Endpoints.Select(e => e.ToString().TrimEnd('/'))), configureChannelOptions: channel =>
        {
            channel.HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = options.RequestTimeout,
                KeepAlivePingDelay = options.KeepAlive,
                KeepAlivePingTimeout = options.KeepAlive,
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                EnableMultipleHttp2Connections = true,
            };
        });
    }

    public string Cluster { get; }

    public PatroniKeys Keys { get; }

    /// <summary>The etcd endpoints watched.</summary>
    public IReadOnlyList<Uri> Endpoints => config.Endpoints;

    /// <summary>Whether the watch is receiving etcd's changes now.</summary>
    public bool IsConnected => connected;

    /// <summary>The leader's member name as last read; null when there is none or it is not known yet.</summary>
    public string? Leader => leader;

    /// <summary>When the watch last lost etcd, while it has not reconnected; null while connected (or before the first read).</summary>
    public DateTimeOffset? LostAt => Interlocked.Read(ref lostAtTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>
    /// Counts the leader's changes and the watch's losses of etcd. Read before <see cref="Leader"/>: two reads with the
    /// same count saw the same leader, with nothing missed between them (a VIP keeper relies on that).
    /// </summary>
    public long LeaderEpoch => Interlocked.Read(ref leaderEpoch);

    /// <summary>Whether the leader key has been read at least once (<see cref="Leader"/> means something).</summary>
    public bool IsLeaderKnown => leaderKnown;

    /// <summary>Whether the leader key was read and is absent: no leader, e.g. during a switchover.</summary>
    public bool HasNoLeader => leaderKnown && leader is null;

    /// <summary>Patroni's members by name, each with its role as it published it (<c>master</c>, <c>primary</c>, <c>replica</c>…).</summary>
    public IReadOnlyDictionary<string, string> Members => Volatile.Read(ref members);

    /// <summary>Raised on the watch's task after each change of the leader, once <c>onLeader</c> has applied it.</summary>
    public event Action<DcsLeaderChange>? LeaderChanged;

    /// <summary>Starts watching in the background; returns at once.</summary>
    public void Start()
    {
        if (run is not null)
        {
            throw new InvalidOperationException("the DCS watch is already started");
        }
        run = Task.Run(() => RunAsync(stopping.Token), CancellationToken.None);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var retry = options.FirstRetry;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await WatchAsync(() =>
                {
                    if (failures > 0)
                    {
                        LogRecovered(logger, Cluster, Keys.Prefix, failures);
                    }
                    else
                    {
                        LogWatching(logger, Cluster, Keys.Leader, endpoints);
                    }
                    failures = 0;
                    retry = options.FirstRetry;
                }, cancellationToken);
                throw new RpcException(new Status(StatusCode.Unavailable, "etcd ended the watch"));
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                if (connected || (leaderKnown && Interlocked.Read(ref lostAtTicks) == 0))
                {
                    Interlocked.Exchange(ref lostAtTicks, time.GetUtcNow().UtcTicks);
                }
                connected = false;
                Interlocked.Increment(ref leaderEpoch);
                failures++;
                LogLost(logger, Cluster, endpoints, Describe(e), retry.TotalSeconds, failures);
            }
            try
            {
                await Task.Delay(retry, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, options.MaxRetry.Ticks));
        }
    }

    // One connection's life: read the scope, then follow its changes until etcd fails or we stop.
    private async Task WatchAsync(Action connectedNow, CancellationToken cancellationToken)
    {
        RangeResponse range;
        using (var timeout = new CancellationTokenSource(options.RequestTimeout, time))
        using (var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
        {
            range = await client.GetRangeAsync(Keys.Prefix, cancellationToken: bounded.Token);
        }
        string? first = null;
        var read = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var kv in range.Kvs)
        {
            var key = Keys.Parse(kv.Key.ToStringUtf8());
            if (key.Kind == PatroniKeyKind.Leader)
            {
                first = LeaderName(kv.Value);
            }
            else if (key.Kind == PatroniKeyKind.Member)
            {
                read[key.Member!] = RoleOf(kv.Value);
            }
        }
        Volatile.Write(ref members, read.ToImmutable());
        using var call = client.GetConnection().WatchClient.Watch(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest
            {
                Key = ByteString.CopyFromUtf8(Keys.Prefix),
                RangeEnd = ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd(Keys.Prefix)),
                StartRevision = range.Header.Revision + 1,
            },
        }, cancellationToken);
        connected = true;
        Interlocked.Exchange(ref lostAtTicks, 0);
        connectedNow();
        if (first is null)
        {
            LogNoLeaderKey(logger, Cluster, Keys.Leader);
        }
        SetLeader(first);
        while (await call.ResponseStream.MoveNext(cancellationToken))
        {
            var response = call.ResponseStream.Current;
            if (response.Canceled || response.CompactRevision != 0)
            {
                throw new RpcException(new Status(StatusCode.Aborted, $"etcd cancelled the watch: {response.CancelReason} (compacted at {response.CompactRevision})"));
            }
            foreach (var change in response.Events)
            {
                Follow(change);
            }
        }
    }

    private void Follow(Event change)
    {
        var key = Keys.Parse(change.Kv.Key.ToStringUtf8());
        var deleted = change.Type == Event.Types.EventType.Delete;
        switch (key.Kind)
        {
            case PatroniKeyKind.Leader:
                SetLeader(deleted ? null : LeaderName(change.Kv.Value));
                break;
            case PatroniKeyKind.Member:
                var before = Volatile.Read(ref members);
                Volatile.Write(ref members, deleted ? before.Remove(key.Member!) : before.SetItem(key.Member!, RoleOf(change.Kv.Value)));
                break;
            default:
                break;
        }
    }

    private void SetLeader(string? next)
    {
        var previous = leader;
        if (leaderKnown && next == previous)
        {
            return;
        }
        leader = next;
        leaderKnown = true;
        // Counted after the leader is written: a reader that reads the count first and then sees no leader holds the count of that leaderless time.
        Interlocked.Increment(ref leaderEpoch);
        var change = new DcsLeaderChange(Cluster, next, previous, time.GetUtcNow());
        LogLeader(logger, next is null ? LogLevel.Warning : LogLevel.Information, Cluster, next ?? "none (no leader key)", previous ?? "none");
        Notify(onLeader, change);
        foreach (var handler in LeaderChanged?.GetInvocationList() ?? [])
        {
            Notify((Action<DcsLeaderChange>)handler, change);
        }
    }

    private void Notify(Action<DcsLeaderChange> listener, DcsLeaderChange change)
    {
        try
        {
            listener(change);
        }
        catch (Exception e)
        {
            // A failing listener must not end the watch nor silence the others: the next change must still reach routing.
            LogListenerFailed(logger, Cluster, e);
        }
    }

    private static string? LeaderName(ByteString value) => value.IsEmpty ? null : value.ToStringUtf8();

    private static string RoleOf(ByteString value)
    {
        try
        {
            using var json = JsonDocument.Parse(value.Memory);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String
                ? role.GetString() ?? "unknown"
                : "unknown";
        }
        catch (JsonException)
        {
            return "unknown";
        }
    }

    // The client library's messages may quote the endpoint it tried.
    private static string Describe(Exception e) => UrlRedaction.Redact(e switch
    {
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        _ => e.Message,
    });

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        if (run is not null)
        {
            await run;
        }
        client.Dispose();
        stopping.Dispose();
    }
}
