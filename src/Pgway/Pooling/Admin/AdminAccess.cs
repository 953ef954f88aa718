namespace Pgway.Pooling.Admin;

/// <summary>What a console client may do: <c>admin_users</c> everything, <c>stats_users</c> only SHOW.</summary>
internal enum AdminAccess
{
    Stats,
    Admin,
}
