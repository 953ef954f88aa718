namespace Pgway.Vip;

/// <summary>What the cluster's DCS watch knows now.</summary>
internal enum VipDcsState
{
    /// <summary>The cluster has no <c>pg_dcs</c>: the local instance's checks alone decide.</summary>
    None,

    /// <summary>The watch has not read the leader key yet.</summary>
    NotRead,

    /// <summary>The watch receives etcd's changes: the leader it names is current.</summary>
    Connected,

    /// <summary>The watch lost etcd: the leader it names is the last one read.</summary>
    Lost,
}
