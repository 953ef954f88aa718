namespace Pgway.Configuration;

/// <summary>A place in a configuration file; lines and columns count from 1.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    /// <summary>Where built-in defaults come from, for messages about them.</summary>
    public static SourceLocation BuiltIn(int line = 0) => new("(built-in defaults)", line, 0);

    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}" : File;
}
