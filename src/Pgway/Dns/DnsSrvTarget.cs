namespace Pgway.Dns;

/// <summary>One SRV record's target: an entry point's name and the service's port there.</summary>
internal readonly record struct DnsSrvTarget(string Target, int Port);
