using System.Net;
using System.Net.Sockets;
using Pgway.Testing;

namespace Pgway.IntegrationTests.Testing;

public sealed class LoopbackBlockAllocatorTests : IDisposable
{
    private readonly string _lockDirectory = Directory.CreateTempSubdirectory("pgway-allocator-test-").FullName;

    public void Dispose() => Directory.Delete(_lockDirectory, recursive: true);

    [Fact]
    public void Reserve_TwiceWithoutRelease_GivesDistinctBlocks()
    {
        var allocator = new LoopbackBlockAllocator(_lockDirectory);

        using var first = allocator.Reserve(3);
        using var second = allocator.Reserve(3);

        Assert.Empty(first.Addresses.Intersect(second.Addresses));
        Assert.Equal(3, first.Addresses.Count);
    }

    [Fact]
    public void Reserve_SameBlockHeldByAnotherAllocator_SkipsIt()
    {
        // Two allocators on one lock directory stand in for two test processes.
        using var first = new LoopbackBlockAllocator(_lockDirectory).Reserve(2);

        using var second = new LoopbackBlockAllocator(_lockDirectory).Reserve(2);

        Assert.Empty(first.Addresses.Intersect(second.Addresses));
    }

    [Fact]
    public void Reserve_SomethingListensOnTheBlock_SkipsIt()
    {
        var allocator = new LoopbackBlockAllocator(_lockDirectory);
        IPAddress occupied;
        using (var probe = allocator.Reserve(1))
        {
            occupied = probe.Addresses[0];
        }

        var listener = new TcpListener(occupied, PgTestCluster.Port);
        listener.Start();
        try
        {
            using var block = allocator.Reserve(1);

            Assert.NotEqual(occupied, block.Addresses[0]);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public void ReserveExplicit_AddressInUse_ThrowsNamingIt()
    {
        var address = IPAddress.Parse("127.77.254.11");
        var listener = new TcpListener(address, PgTestCluster.Port);
        listener.Start();
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => LoopbackBlockAllocator.ReserveExplicit(address, 2));

            Assert.Contains("127.77.254.11", error.Message);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public void ReserveExplicit_NotLoopback_Throws()
    {
        Assert.Throws<ArgumentException>(() => LoopbackBlockAllocator.ReserveExplicit(IPAddress.Parse("10.10.10.11"), 3));
    }
}
