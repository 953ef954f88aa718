using System.Collections.Frozen;

namespace Pgway.Model;

/// <summary>
/// A port written as a number or as a name that each instance resolves from its own
/// variables (<c>postgres</c> → pg_port), so one service can reach differently configured nodes.
/// </summary>
internal sealed record PortReference(string? Name, int? Number)
{
    public const string Postgres = "postgres";
    public const string Pgbouncer = "pgbouncer";
    public const string Patroni = "patroni";
    public const string PgExporter = "pg_exporter";

    /// <summary>
    /// A destination only: pgway terminates the protocol at the service port and pools to each
    /// member's postgres (pg_port) itself, one hop.
    /// </summary>
    public const string Pool = "pool";

    public static readonly FrozenSet<string> KnownNames =
        FrozenSet.Create(StringComparer.Ordinal, Postgres, Pgbouncer, Patroni, PgExporter);

    public static PortReference Named(string name) => new(name, null);

    public static PortReference Fixed(int number) => new(null, number);

    public int Resolve(Instance instance) => Name switch
    {
        null => Number!.Value,
        Postgres => instance.PgPort,
        Pgbouncer => instance.PgbouncerPort,
        Patroni => instance.PatroniPort,
        PgExporter => instance.PgExporterPort,
        Pool => instance.PgPort,
        _ => throw new InvalidOperationException($"unknown port name '{Name}'"),
    };

    public override string ToString() => Name ?? Number!.Value.ToString();
}
