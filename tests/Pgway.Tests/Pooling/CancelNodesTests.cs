using System.Net;
using Pgway.Pooling;

namespace Pgway.Tests.Pooling;

/// <summary>Every node numbers the inventory's nodes alike, and forwards only keys of other, known nodes.</summary>
public sealed class CancelNodesTests
{
    private const string Inventory = """
        all:
          children:
            pg-b:
              hosts:
                10.10.10.12: { pg_seq: 1, pg_role: primary }
                10.10.10.11: { pg_seq: 2, pg_role: replica }
              vars: { pg_cluster: pg-b }
            pg-a:
              hosts:
                10.10.10.13: { pg_seq: 1, pg_role: primary }
                10.10.10.11: { pg_seq: 2, pg_role: replica }
              vars: { pg_cluster: pg-a }
        """;

    [Theory]
    [InlineData("10.10.10.11", 0)]
    [InlineData("10.10.10.12", 1)]
    [InlineData("10.10.10.13", 2)]
    public void For_NumbersBySortedAddress_WhateverTheOrderInTheFile(string node, int expected)
    {
        var nodes = CancelNodes.For(TestInventories.LoadValid(Inventory), [node]);

        Assert.Equal(expected, nodes.Local);
        Assert.Equal(3, nodes.Addresses.Length);
    }

    [Fact]
    public void PeerOf_OtherNode_ItsAddress_OwnOrUnknown_None()
    {
        var nodes = CancelNodes.For(TestInventories.LoadValid(Inventory), ["10.10.10.12"]);

        Assert.Equal(IPAddress.Parse("10.10.10.11"), nodes.PeerOf(0));
        Assert.Equal(IPAddress.Parse("10.10.10.13"), nodes.PeerOf(2));
        Assert.Null(nodes.PeerOf(1));
        Assert.Null(nodes.PeerOf(3));
        Assert.Null(nodes.PeerOf(CancelKey.MaxNodes - 1));
    }

    [Fact]
    public void For_ProcessHostingTwoNodes_NeverForwardsToEither()
    {
        var nodes = CancelNodes.For(TestInventories.LoadValid(Inventory), ["10.10.10.13", "10.10.10.12"]);

        Assert.Equal(1, nodes.Local);
        Assert.Null(nodes.PeerOf(1));
        Assert.Null(nodes.PeerOf(2));
        Assert.NotNull(nodes.PeerOf(0));
    }

    [Fact]
    public void Standalone_NodeZero_NowhereToForward()
    {
        Assert.Equal(0, CancelNodes.Standalone.Local);
        Assert.Null(CancelNodes.Standalone.PeerOf(0));
        Assert.Null(CancelNodes.Standalone.PeerOf(1));
    }
}
