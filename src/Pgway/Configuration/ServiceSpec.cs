using Pgway.Model;

namespace Pgway.Configuration;

/// <summary>
/// A service entry read from either schema, with names still unresolved: the common
/// ground where v1 and v2 meet before <see cref="ServiceBuilder"/> makes a <see cref="Service"/>.
/// </summary>
/// <param name="CheckPort">A port name or number; "none" disables the check.</param>
internal sealed record ServiceSpec(
    ServiceSchema Schema,
    SourceLocation Location,
    Located<string> Name,
    Located<string> Bind,
    Located<int> Port,
    Located<string> Destination,
    Located<string> CheckMethod,
    Located<string> CheckPort,
    Located<string> CheckPath,
    Located<int> CheckCode,
    Located<string> Selector,
    Located<string>? Backup,
    int MaxConn,
    Located<string> Balance,
    Located<string> Options)
{
    /// <summary>pgway's <c>allbackups</c> key (HAProxy's <c>option allbackups</c>).</summary>
    public bool AllBackups { get; init; }
}
