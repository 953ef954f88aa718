using Pgway.Cli;

namespace Pgway.Tests.Cli;

/// <summary>The signals a long-running command takes back when its parent left them ignored.</summary>
public sealed class InheritedSignalsTests
{
    // SIGUSR2: neither the runtime nor the test host handles it, so the test may change it.
    private const int SigUsr2 = 12;

    [Theory]
    [InlineData("serve", new[] { InheritedSignals.SigHup, InheritedSignals.SigInt, InheritedSignals.SigTerm })]
    [InlineData("agent", new[] { InheritedSignals.SigInt, InheritedSignals.SigTerm })]
    [InlineData("demo", new[] { InheritedSignals.SigInt, InheritedSignals.SigTerm })]
    [InlineData("check", new int[0])]
    [InlineData("status", new int[0])]
    [InlineData(null, new int[0])]
    public void HandledBy_Command_TheSignalsItDocuments(string? command, int[] expected) =>
        Assert.Equal(expected, InheritedSignals.HandledBy(command));

    [Fact]
    public void Claim_SignalIgnored_DefaultActionBackOnce()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        Assert.True(InheritedSignals.SetIgnored(SigUsr2));
        Assert.True(InheritedSignals.IsIgnored(SigUsr2));

        Assert.Equal([SigUsr2], InheritedSignals.Claim([SigUsr2]));

        Assert.False(InheritedSignals.IsIgnored(SigUsr2));
        Assert.Empty(InheritedSignals.Claim([SigUsr2]));
    }
}
