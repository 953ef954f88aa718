namespace Pgway.Vip;

/// <summary>What decides whether this node holds a cluster's VIP, read fresh at every step.</summary>
internal interface IVipLeadership
{
    VipSignal Read();
}
