namespace Pgway.Protocol;

/// <summary>PostgreSQL's type OIDs of the columns pgway writes itself (pg_type's fixed OIDs).</summary>
public static class TypeOids
{
    public const int Int4 = 23;
    public const int Text = 25;
    public const int Numeric = 1700;
}
