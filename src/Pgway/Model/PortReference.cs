using System.Collections.Frozen;

namespace Pgway.Model;

/// <summary>
/// A port written as a number or as a name that each instance resolves from its own
/// variables (<c>postgres</c> → pg_port), so one service can reach differently configured nodes.
/// </summary>
public sealed record PortReference(string? Name, int? Number)
{
    public const string Postgres = "postgres";
    public const string Pgbouncer = "pgbouncer";
    public const string Patroni = "patroni";
    public const string PgExporter = "pg_exporter";

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
        _ => throw new InvalidOperationException($"unknown port name '{Name}'"),
    };

    public override string ToString() => Name ?? Number!.Value.ToString();
}
