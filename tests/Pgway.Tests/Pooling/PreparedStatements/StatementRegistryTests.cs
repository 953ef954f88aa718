using System.Text;
using Pgway.Pooling.PreparedStatements;

namespace Pgway.Tests.Pooling.PreparedStatements;

/// <summary>The pooler's shared statements: one per definition and parse context, counted, found without allocating.</summary>
public sealed class StatementRegistryTests
{
    private readonly StatementRegistry registry = new();

    [Fact]
    public void Acquire_SameDefinitionAndContext_SameStatementCountedTwice()
    {
        var first = registry.Acquire("SELECT 1\0\0\0"u8, "ctx");
        var again = registry.Acquire("SELECT 1\0\0\0"u8, "ctx");
        var otherContext = registry.Acquire("SELECT 1\0\0\0"u8, "other");

        Assert.Same(first, again);
        Assert.NotSame(first, otherContext);
        Assert.Equal(2, first.References);
        Assert.Equal(2, registry.Count);

        registry.Release(first);
        registry.Release(again);
        registry.Release(otherContext);

        Assert.Equal(0, registry.Count);
        Assert.Null(registry.Find("SELECT 1\0\0\0"u8, "ctx"));
    }

    [Fact]
    public void Acquire_ManyDefinitions_EachItsOwnNameAndAllSeen()
    {
        var statements = Enumerable.Range(0, 200).Select(i => registry.Acquire(Encoding.UTF8.GetBytes($"SELECT {i}\0\0\0"))).ToList();

        Assert.Equal(200, statements.Select(s => s.ServerName).Distinct().Count());
        Assert.Equal(200, registry.Count);
        Assert.Equal(200, registry.Snapshot().Count);
        Assert.Equal(statements.Sum(s => (long)s.DefinitionLength), registry.DefinitionBytes);
        foreach (var statement in statements)
        {
            registry.AddReference(statement);
            registry.Release(statement);
            registry.Release(statement);
        }
        Assert.Equal(0, registry.Count);
    }

    [Fact]
    public async Task AcquireAndRelease_FromManyThreadsAtOnce_CountsAddUp()
    {
        // Bounded: 4 threads, 2,000 rounds each, over 8 definitions that share stripes and not.
        var definitions = Enumerable.Range(0, 8).Select(i => Encoding.UTF8.GetBytes($"SELECT {i}\0\0\0")).ToArray();
        var kept = definitions.Select(d => registry.Acquire(d)).ToArray();
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (var round = 0; round < 2_000; round++)
            {
                var definition = definitions[(round + w) % definitions.Length];
                var statement = registry.Acquire(definition);
                registry.AddReference(statement);
                registry.Release(statement);
                registry.Release(statement);
                var fresh = registry.Acquire(Encoding.UTF8.GetBytes($"SELECT {w}, {round % 16}\0\0\0"));
                registry.Release(fresh);
            }
        })).ToArray();

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(kept, s => Assert.Equal(1, s.References));
        Assert.Equal(definitions.Length, registry.Count);
    }

    [Fact]
    public void Acquire_KnownStatement_AllocatesNothing()
    {
        var definition = "SELECT * FROM accounts WHERE id = $1\0\0\u0001\0\0\0\u0017"u8.ToArray();
        var held = registry.Acquire(definition, "public\u0001ISO, MDY\u0001UTC\u0001");
        AcquireAndRelease(definition, 3);

        var before = GC.GetAllocatedBytesForCurrentThread();
        AcquireAndRelease(definition, 100);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(1, held.References);
    }

    private void AcquireAndRelease(byte[] definition, int times)
    {
        for (var i = 0; i < times; i++)
        {
            registry.Release(registry.Acquire(definition, "public\u0001ISO, MDY\u0001UTC\u0001"));
        }
    }
}
