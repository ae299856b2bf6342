using System.Runtime.InteropServices;

namespace ModelMerge.Commands.Infrastructure;

/// <summary>
/// While an export runs, SIGTERM, SIGHUP and SIGINT stop it as Stop does, so its staging folder is
/// deleted, and then end the process as the signal asked: a runbook killed by `docker stop`, a CI
/// timeout or a closed SSH session neither leaves a staging folder nor goes on to its next line. A
/// SIGINT that the host turns into a pipeline stop (Ctrl+C at a console) stays just that.
/// </summary>
internal sealed class SignalStop : IDisposable
{
    private const int Interrupt = 2;
    private static readonly (PosixSignal Signal, int Number)[] Handled = [(PosixSignal.SIGTERM, 15), (PosixSignal.SIGHUP, 1), (PosixSignal.SIGINT, Interrupt)];
    // How long a SIGINT waits for the host's own Ctrl+C handling to stop the pipeline before it ends the process.
    private static readonly TimeSpan HostStopWait = TimeSpan.FromSeconds(2);

    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly CancellationTokenSource _stop;
    private readonly ManualResetEventSlim _hostStopped = new();
    private int _received;

    private SignalStop(CancellationTokenSource stop) => _stop = stop;

    /// <summary>Starts handling the signals, cancelling <paramref name="stop"/> on one; null where there are no POSIX signals to re-raise (Windows).</summary>
    public static SignalStop? Register(CancellationTokenSource stop)
    {
        if (OperatingSystem.IsWindows()) return null;
        var handler = new SignalStop(stop);
        foreach (var (signal, number) in Handled)
            handler._registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                // The runtime would otherwise end the process now, before the staging folder is deleted.
                context.Cancel = true;
                Interlocked.CompareExchange(ref handler._received, number, 0);
                handler._stop.Cancel();
            }));
        return handler;
    }

    /// <summary>The host stopped the pipeline (StopProcessing).</summary>
    public void HostStopped() => _hostStopped.Set();

    /// <summary>
    /// Called once the export has cleaned up: when a signal came, ends the process by that signal and
    /// never returns, unless it was a SIGINT the host handled as a stop.
    /// </summary>
    public void EndIfSignalled()
    {
        int signal = Volatile.Read(ref _received);
        if (signal == 0) return;
        if (signal == Interrupt && _hostStopped.Wait(HostStopWait)) return;
        Dispose();
        kill(Environment.ProcessId, signal);
        // The runtime ends the process on another thread; this one must not return to the script meanwhile.
        Thread.Sleep(TimeSpan.FromSeconds(10));
        Environment.Exit(128 + signal);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _registrations.Clear();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
