namespace Pgway.Model;

/// <summary>A place in a configuration file; lines and columns count from 1.</summary>
internal readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}" : File;
}
