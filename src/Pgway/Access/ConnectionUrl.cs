namespace Pgway.Access;

/// <summary>One way to reach a cluster: through which host form, to what, and the URL to use.</summary>
/// <param name="HostKind">cluster (DNS name), vip, instance (DNS name), ip, or multi-host.</param>
/// <param name="Target">postgres, pgbouncer, or a service's name.</param>
internal sealed record ConnectionUrl(string HostKind, string Host, int Port, string Target, string Url);
