using Pgway.Model;

namespace Pgway.Configuration;

/// <summary>A value read from configuration with the place it was read from.</summary>
internal readonly record struct Located<T>(T Value, SourceLocation Location);
