using Pgway.Pooling.Tls;

namespace Pgway.Pooling;

/// <summary>
/// A pooler's next options with their TLS files read and checked: made before a reload changes
/// anything, so that a missing or bad certificate rejects the reload and the TLS in use stays.
/// </summary>
internal sealed class PoolerReload
{
    private PoolerReload(PoolerOptions options, PoolerTls tls)
    {
        Options = options;
        Tls = tls;
    }

    /// <summary>The options to apply.</summary>
    public PoolerOptions Options { get; }

    /// <summary>TLS towards clients and the server, as the options say, its files read.</summary>
    internal PoolerTls Tls { get; }

    /// <summary>Reads the TLS files <paramref name="options"/> name (again, so that a certificate renewed in place is taken).</summary>
    /// <exception cref="InvalidOperationException">A TLS file is missing or unusable (named with its setting and path).</exception>
    public static PoolerReload Load(PoolerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new PoolerReload(options, PoolerTls.Load(options.Settings, options.FilesDirectory ?? Environment.CurrentDirectory));
    }

    /// <summary>Options whose TLS settings are those in use (a SET of another setting): the TLS in use, no file read.</summary>
    internal static PoolerReload KeepingTls(PoolerOptions options, PoolerTls tls) => new(options, tls);
}
