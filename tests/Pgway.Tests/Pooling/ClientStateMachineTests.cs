using Pgway.Pooling;

namespace Pgway.Tests.Pooling;

/// <summary>A client session's one state: which moves a client can make, and what the timeout sweep reads.</summary>
public sealed class ClientStateMachineTests
{
    public static TheoryData<string, string, bool> Moves => new()
    {
        // A life: connected, start-up packet, logged in, a server borrowed (after a wait), a request
        // written, the server released, the end.
        { nameof(ClientState.Connecting), nameof(ClientState.LoggingIn), true },
        { nameof(ClientState.LoggingIn), nameof(ClientState.Idle), true },
        { nameof(ClientState.Idle), nameof(ClientState.WaitingForServer), true },
        { nameof(ClientState.WaitingForServer), nameof(ClientState.Active), true },
        { nameof(ClientState.Active), nameof(ClientState.Sending), true },
        { nameof(ClientState.Sending), nameof(ClientState.Active), true },
        { nameof(ClientState.Active), nameof(ClientState.Idle), true },
        { nameof(ClientState.Idle), nameof(ClientState.Ending), true },
        // Other ways: a server at once, a wait cancelled, a wait asked again (a retired server), a
        // session-mode client holding the server its log-in waited for, the console.
        { nameof(ClientState.Idle), nameof(ClientState.Active), true },
        { nameof(ClientState.WaitingForServer), nameof(ClientState.Idle), true },
        { nameof(ClientState.WaitingForServer), nameof(ClientState.WaitingForServer), true },
        { nameof(ClientState.LoggingIn), nameof(ClientState.Active), true },
        { nameof(ClientState.LoggingIn), nameof(ClientState.Console), true },
        { nameof(ClientState.Console), nameof(ClientState.Ending), true },
        { nameof(ClientState.Ending), nameof(ClientState.Ending), true },
        // Refused: the server released (or the client idle) while its bytes are being written; a
        // second borrow while holding one; serving before logging in; anything after the end.
        { nameof(ClientState.Sending), nameof(ClientState.Idle), false },
        { nameof(ClientState.Sending), nameof(ClientState.Sending), false },
        { nameof(ClientState.Active), nameof(ClientState.Active), false },
        { nameof(ClientState.Active), nameof(ClientState.WaitingForServer), false },
        { nameof(ClientState.Idle), nameof(ClientState.Sending), false },
        { nameof(ClientState.Idle), nameof(ClientState.Idle), false },
        { nameof(ClientState.Connecting), nameof(ClientState.Idle), false },
        { nameof(ClientState.Connecting), nameof(ClientState.Active), false },
        { nameof(ClientState.LoggingIn), nameof(ClientState.WaitingForServer), false },
        { nameof(ClientState.LoggingIn), nameof(ClientState.Sending), false },
        { nameof(ClientState.Console), nameof(ClientState.Active), false },
        { nameof(ClientState.Console), nameof(ClientState.Idle), false },
        { nameof(ClientState.WaitingForServer), nameof(ClientState.Sending), false },
        { nameof(ClientState.Ending), nameof(ClientState.Idle), false },
        { nameof(ClientState.Ending), nameof(ClientState.Active), false },
        { nameof(ClientState.Ending), nameof(ClientState.LoggingIn), false },
    };

    [Theory]
    [MemberData(nameof(Moves))]
    public void TryMove_FromState_AllowedOrRefusedAsTheTableSays(string fromName, string toName, bool allowed)
    {
        var (from, to) = (Enum.Parse<ClientState>(fromName), Enum.Parse<ClientState>(toName));
        var machine = At(from);

        var moved = machine.TryMove(to, out var was);

        Assert.Equal(allowed, moved);
        Assert.Equal(from, was);
        // A refused move changes nothing.
        Assert.Equal(allowed ? to : from, machine.State);
    }

    [Fact]
    public void TryMove_EveryState_CanEnd()
    {
        foreach (var from in Enum.GetValues<ClientState>())
        {
            Assert.True(ClientStateMachine.IsAllowed(from, ClientState.Ending), from.ToString());
        }
    }

    [Fact]
    public void TryMove_FromEnding_OnlyEndingAgain()
    {
        foreach (var to in Enum.GetValues<ClientState>())
        {
            Assert.Equal(to == ClientState.Ending, ClientStateMachine.IsAllowed(ClientState.Ending, to));
        }
    }

    [Fact]
    public void IsAllowed_StateOutsideTheTable_Refused()
    {
        Assert.False(ClientStateMachine.IsAllowed((ClientState)200, ClientState.Ending));
    }

    [Fact]
    public void Note_FactsKeptAcrossMoves_AndReadTogether()
    {
        var machine = At(ClientState.Active);

        machine.Note(awaitingAnswer: true, inTransaction: true);
        machine.TryMove(ClientState.Sending, out _);
        var reading = machine.Read();

        Assert.Equal(new ClientStateReading(ClientState.Sending, AwaitingAnswer: true, InTransaction: true), reading);
        machine.Note(awaitingAnswer: false, inTransaction: true);
        Assert.Equal(ClientState.Sending, machine.State);
        Assert.False(machine.Read().AwaitingAnswer);
        Assert.True(machine.Read().InTransaction);
    }

    [Theory]
    [InlineData(nameof(ClientState.Connecting), false, false, false)]
    [InlineData(nameof(ClientState.LoggingIn), true, false, false)]
    [InlineData(nameof(ClientState.Idle), true, true, false)]
    [InlineData(nameof(ClientState.WaitingForServer), true, true, false)]
    [InlineData(nameof(ClientState.Active), true, true, true)]
    [InlineData(nameof(ClientState.Sending), true, true, true)]
    [InlineData(nameof(ClientState.Console), true, true, false)]
    [InlineData(nameof(ClientState.Ending), true, false, false)]
    public void Reading_State_WhatTheSweepSees(string stateName, bool startupRead, bool loggedIn, bool holdsServer)
    {
        var reading = new ClientStateReading(Enum.Parse<ClientState>(stateName), AwaitingAnswer: false, InTransaction: false);

        Assert.Equal(startupRead, reading.StartupRead);
        Assert.Equal(loggedIn, reading.LoggedIn);
        Assert.Equal(holdsServer, reading.HoldsServer);
    }

    [Fact]
    public void New_Machine_IsConnecting()
    {
        Assert.Equal(ClientState.Connecting, default(ClientStateMachine).State);
    }

    // The machine brought to a state along allowed moves.
    private static ClientStateMachine At(ClientState state)
    {
        var path = state switch
        {
            ClientState.Connecting => [],
            ClientState.LoggingIn => [ClientState.LoggingIn],
            ClientState.Idle => [ClientState.LoggingIn, ClientState.Idle],
            ClientState.WaitingForServer => [ClientState.LoggingIn, ClientState.Idle, ClientState.WaitingForServer],
            ClientState.Active => [ClientState.LoggingIn, ClientState.Idle, ClientState.Active],
            ClientState.Sending => [ClientState.LoggingIn, ClientState.Idle, ClientState.Active, ClientState.Sending],
            ClientState.Console => [ClientState.LoggingIn, ClientState.Console],
            _ => new[] { ClientState.Ending },
        };
        var machine = default(ClientStateMachine);
        foreach (var next in path)
        {
            Assert.True(machine.TryMove(next, out _));
        }
        return machine;
    }
}
