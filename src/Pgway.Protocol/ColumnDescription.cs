namespace Pgway.Protocol;

/// <summary>One column of a RowDescription, as a result computed by pgway itself describes it (text format, no table).</summary>
/// <param name="TypeOid">The column's type: <see cref="TypeOids"/>.</param>
/// <param name="TypeSize">The type's size in bytes, -1 for variable-length types.</param>
public readonly record struct ColumnDescription(string Name, int TypeOid, short TypeSize)
{
    public static ColumnDescription Text(string name) => new(name, TypeOids.Text, -1);

    public static ColumnDescription Int4(string name) => new(name, TypeOids.Int4, 4);

    public static ColumnDescription Numeric(string name) => new(name, TypeOids.Numeric, -1);
}
