namespace Pgway.Tests.Pooling;

/// <summary>The pool's unit tests share one <see cref="PoolLoops"/>: each loop is a thread of its own.</summary>
[CollectionDefinition(Name)]
public sealed class PoolLoopsGroup : ICollectionFixture<PoolLoops>
{
    public const string Name = "pool loops";
}
