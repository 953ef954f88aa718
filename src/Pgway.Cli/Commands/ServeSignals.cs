using System.Runtime.InteropServices;

namespace Pgway.Cli.Commands;

/// <summary>
/// What <c>pgway serve</c> does on signals: SIGHUP reloads; the first SIGTERM or SIGINT (Ctrl-C)
/// drains, a second one stops at once. The default actions (ending the process) are cancelled.
/// </summary>
internal sealed class ServeSignals : IDisposable
{
    private readonly TaskCompletionSource stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource stopNow = new();
    private readonly List<PosixSignalRegistration> registrations = [];

    public ServeSignals(Action reload)
    {
        registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStop));
        registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStop));
        if (!OperatingSystem.IsWindows())
        {
            registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                reload();
            }));
        }
    }

    /// <summary>Completes at the first SIGTERM or SIGINT.</summary>
    public Task Stopping => stop.Task;

    /// <summary>Cancelled at the second: the drain is cut short.</summary>
    public CancellationToken StopNow => stopNow.Token;

    private void OnStop(PosixSignalContext context)
    {
        context.Cancel = true;
        if (!stop.TrySetResult())
        {
            stopNow.Cancel();
        }
    }

    public void Dispose()
    {
        foreach (var registration in registrations)
        {
            registration.Dispose();
        }
        stopNow.Dispose();
    }
}
