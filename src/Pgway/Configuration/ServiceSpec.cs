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

    /// <summary>One of Pigsty's default services, which the inventory did not write out.</summary>
    public bool BuiltIn { get; init; }

    /// <summary>
    /// A built-in default placed at the cluster that gets it: a problem with it is the cluster's,
    /// and the user can only act in their own file.
    /// </summary>
    public ServiceSpec AsBuiltInOf(SourceLocation cluster) => this with
    {
        BuiltIn = true,
        Location = cluster,
        Name = Name with { Location = cluster },
        Bind = Bind with { Location = cluster },
        Port = Port with { Location = cluster },
        Destination = Destination.Location.File == DefaultServices.File ? Destination with { Location = cluster } : Destination,
        CheckMethod = CheckMethod with { Location = cluster },
        CheckPort = CheckPort with { Location = cluster },
        CheckPath = CheckPath with { Location = cluster },
        CheckCode = CheckCode with { Location = cluster },
        Selector = Selector with { Location = cluster },
        Backup = Backup is { } backup ? backup with { Location = cluster } : null,
        Balance = Balance with { Location = cluster },
        Options = Options with { Location = cluster },
    };
}
