namespace Pgway.Model;

/// <summary>One line of an instance's pgb_hba.conf and the inventory entry it was rendered from, where an error about it points.</summary>
internal sealed record PoolerHbaLine(string Text, SourceLocation Location);
