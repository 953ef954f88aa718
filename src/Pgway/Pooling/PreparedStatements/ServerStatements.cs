namespace Pgway.Pooling.PreparedStatements;

/// <summary>
/// The statements prepared on one server connection, least recently used first out once
/// <c>max_prepared_statements</c> are there. Used by the client holding the server, on its loop.
/// Each statement here holds a reference in the registry.
/// </summary>
internal sealed class ServerStatements(StatementRegistry registry, int capacity)
{
    private readonly Dictionary<SharedStatement, LinkedListNode<SharedStatement>> prepared = [];
    private readonly LinkedList<SharedStatement> byUse = new();
    // The result description each statement has on this server, where a Describe told it.
    private readonly Dictionary<SharedStatement, byte[]> shapes = [];
    // Parsed there, not yet answered ParseComplete: the Parse may still fail or be skipped.
    private readonly HashSet<SharedStatement> unconfirmed = [];

    public int Count => prepared.Count;

    /// <summary>Statements still prepared on the server that pgway no longer uses there: closed before the next request.</summary>
    public List<SharedStatement> Dropped { get; } = [];

    /// <summary>Whether it is prepared there; if so, it becomes the most recently used.</summary>
    public bool Touch(SharedStatement statement)
    {
        if (!prepared.TryGetValue(statement, out var node))
        {
            return false;
        }
        byUse.Remove(node);
        byUse.AddLast(node);
        return true;
    }

    /// <summary>
    /// Records <paramref name="statement"/> as prepared there; returns the least recently used one
    /// it pushes out when the cache is full (the caller closes that one on the server), else null.
    /// </summary>
    public SharedStatement? Add(SharedStatement statement)
    {
        SharedStatement? evicted = null;
        if (prepared.Count >= capacity && byUse.First is { } oldest)
        {
            evicted = oldest.Value;
            Remove(evicted);
        }
        registry.AddReference(statement);
        prepared[statement] = byUse.AddLast(statement);
        unconfirmed.Add(statement);
        return evicted;
    }

    /// <summary>Its Parse was answered: the server has it.</summary>
    public void Confirm(SharedStatement statement) => unconfirmed.Remove(statement);

    /// <summary>Prepared there, and its Parse answered.</summary>
    public bool IsConfirmed(SharedStatement statement) => prepared.ContainsKey(statement) && !unconfirmed.Contains(statement);

    /// <summary>The result description (RowDescription body, empty for NoData) the statement has here, if known.</summary>
    public byte[]? ShapeOf(SharedStatement statement) => shapes.GetValueOrDefault(statement);

    /// <summary>Records the result description a Describe of the statement answered here.</summary>
    public void SetShape(SharedStatement statement, byte[] shape)
    {
        if (prepared.ContainsKey(statement))
        {
            shapes[statement] = shape;
        }
    }

    /// <summary>No longer prepared there (closed, or its Parse failed).</summary>
    public void Remove(SharedStatement statement)
    {
        shapes.Remove(statement);
        unconfirmed.Remove(statement);
        if (prepared.Remove(statement, out var node))
        {
            byUse.Remove(node);
            registry.Release(statement);
        }
    }

    /// <summary>No longer used there, though still prepared (its plan's result type changed): closed at the next chance.</summary>
    public void Drop(SharedStatement statement)
    {
        if (prepared.ContainsKey(statement))
        {
            Remove(statement);
            Dropped.Add(statement);
        }
    }

    /// <summary>The server dropped them all (<c>DISCARD ALL</c>, <c>DEALLOCATE ALL</c>), or is closed.</summary>
    public void Clear()
    {
        foreach (var statement in byUse)
        {
            registry.Release(statement);
        }
        prepared.Clear();
        unconfirmed.Clear();
        byUse.Clear();
        shapes.Clear();
        Dropped.Clear();
    }
}
