using Pgway.Transport;

namespace Pgway.Tests.Transport;

public sealed class ClientAdmissionTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 7, 0, 0, TimeSpan.Zero);

    private static AdmissionLimits Limits(int reserve = 100, int maxStarting = 512) => new(reserve, maxStarting, TimeSpan.FromSeconds(10));

    [Theory]
    // Two descriptors a client, below the limit less what is open and the reserve; half of them may be starting.
    [InlineData(256, 50, 100, 53, 26)]
    [InlineData(1024, 0, 100, 462, 231)]
    [InlineData(1_048_576, 100, 100, 524_188, 512)]
    // A limit below what is open and the reserve: no client at all.
    [InlineData(120, 50, 100, 0, 1)]
    public void Capacity_FromLimitInUseAndReserve(long limit, int inUse, int reserve, int clients, int starting)
    {
        var admission = new ClientAdmission(limit, inUse, Limits(reserve));

        Assert.Equal((clients, starting), (admission.ClientCapacity, admission.StartingCapacity));
    }

    [Fact]
    public void Unbounded_OnlyTheStartingCap()
    {
        var admission = ClientAdmission.Unbounded(Limits(maxStarting: 3));

        Assert.Equal((int.MaxValue, 3), (admission.ClientCapacity, admission.StartingCapacity));
    }

    [Fact]
    public void TryAdmit_ClientsAtCapacity_RefusedOutOfDescriptorsUntilOneLeaves()
    {
        // 2 clients: 110 - 6 - 100 = 4 descriptors.
        var admission = new ClientAdmission(110, 6, Limits());
        var first = Admit(admission);
        first.FinishStartup();
        var second = Admit(admission);
        second.FinishStartup();

        var (ticket, outcome) = admission.TryAdmit();

        Assert.Null(ticket);
        Assert.Equal(Admission.OutOfDescriptors, outcome);
        Assert.Equal((2, 0, 1L), (admission.Clients, admission.Starting, admission.RefusedForDescriptors));
        first.Dispose();
        Assert.Equal(Admission.Admitted, admission.TryAdmit().Outcome);
    }

    [Fact]
    public void TryAdmit_StartingAtCap_RefusedAndItsClientSlotGivenBack()
    {
        var admission = ClientAdmission.Unbounded(Limits(maxStarting: 2));
        var first = Admit(admission);
        Admit(admission);

        var (ticket, outcome) = admission.TryAdmit();

        Assert.Null(ticket);
        Assert.Equal(Admission.TooManyStarting, outcome);
        Assert.Equal((2, 2, 1L), (admission.Clients, admission.Starting, admission.RefusedForStarting));
        // One sends its start-up packet: its start-up slot goes to a newcomer, its client slot stays.
        first.FinishStartup();
        Assert.Equal(Admission.Admitted, admission.TryAdmit().Outcome);
        Assert.Equal((3, 2), (admission.Clients, admission.Starting));
    }

    [Fact]
    public void Ticket_FinishedAndDisposedTwice_GivesEachSlotBackOnce()
    {
        var admission = ClientAdmission.Unbounded(Limits());
        var ticket = Admit(admission);

        ticket.FinishStartup();
        ticket.FinishStartup();
        ticket.Dispose();
        ticket.Dispose();

        Assert.Equal((0, 0), (admission.Clients, admission.Starting));
        Assert.False(ticket.Starting);
    }

    [Fact]
    public void Ticket_DisposedWhileStarting_GivesBothSlotsBack()
    {
        var admission = ClientAdmission.Unbounded(Limits());

        Admit(admission).Dispose();

        Assert.Equal((0, 0), (admission.Clients, admission.Starting));
    }

    [Fact]
    public void Describe_NamesTheLimitAndWhatToRaise()
    {
        var admission = new ClientAdmission(256, 50, Limits());

        Assert.Equal(
            "pgway: too many connections: 53 clients already hold this process's share of its open-files limit 256 (100 kept for health checks, agents and the admin endpoint); raise the limit (LimitNOFILE, ulimit -n)",
            admission.Describe(Admission.OutOfDescriptors));
        Assert.Equal(
            "pgway: too many connections: 26 clients accepted have not sent their start-up packet yet (each is closed after 10 s)",
            admission.Describe(Admission.TooManyStarting));
    }

    [Fact]
    public void ShouldReport_AtMostOnceInTenSecondsWithTheCountSince()
    {
        var admission = ClientAdmission.Unbounded(Limits(maxStarting: 1));
        Admit(admission);
        admission.TryAdmit();
        admission.TryAdmit();

        Assert.True(admission.ShouldReport(Start, out var first));
        admission.TryAdmit();
        Assert.False(admission.ShouldReport(Start.AddSeconds(9), out _));
        Assert.True(admission.ShouldReport(Start.AddSeconds(10), out var second));

        Assert.Equal((2L, 1L), (first, second));
    }

    private static ClientTicket Admit(ClientAdmission admission)
    {
        var (ticket, outcome) = admission.TryAdmit();
        Assert.Equal(Admission.Admitted, outcome);
        return ticket!;
    }
}
