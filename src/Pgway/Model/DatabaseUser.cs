using System.Collections.Immutable;

namespace Pgway.Model;

/// <summary>An entry of Pigsty's <c>pg_users</c>: a role the cluster is to have.</summary>
/// <param name="Name">The role's name.</param>
/// <param name="Password">Its password (plain, MD5 or SCRAM as the inventory gives it); null: none.</param>
/// <param name="Roles">The roles it is granted (<c>roles</c>, e.g. <c>dbrole_admin</c>).</param>
internal sealed record DatabaseUser(string Name, string? Password, ImmutableArray<string> Roles);
