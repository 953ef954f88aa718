namespace Pgway.Dcs;

/// <summary>One key of a Patroni scope, parsed.</summary>
/// <param name="Member">The member's name, for a <see cref="PatroniKeyKind.Member"/> key.</param>
internal readonly record struct PatroniKey(PatroniKeyKind Kind, string? Member);
