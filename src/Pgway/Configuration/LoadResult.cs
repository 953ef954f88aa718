using System.Collections.Immutable;
using Pgway.Model;

namespace Pgway.Configuration;

/// <summary>The outcome of loading an inventory: the topology when there were no errors, and every problem found.</summary>
internal sealed record LoadResult(Topology? Topology, ImmutableArray<Diagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.IsError);

    public IEnumerable<Diagnostic> Warnings => Diagnostics.Where(d => !d.IsError);
}
