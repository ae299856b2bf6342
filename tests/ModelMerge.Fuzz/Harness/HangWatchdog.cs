using System.Diagnostics;

namespace ModelMerge.Fuzz.Harness;

/// <summary>
/// Watches the case in flight from a thread of its own. A parser stuck in a loop (or blocked
/// opening a FIFO) never returns to the runner, so the runner cannot time it; the watchdog saves
/// the case and ends the process, which is the only way to stop a thread in .NET.
/// </summary>
public sealed class HangWatchdog : IDisposable
{
    private sealed record InFlight(int Seed, long Index, FuzzCase Input, long StartedAt);

    private readonly string _target;
    private readonly TimeSpan _limit;
    private readonly Action<Finding> _onHang;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private volatile InFlight? _current;

    public HangWatchdog(string target, TimeSpan limit, Action<Finding> onHang)
    {
        _target = target;
        _limit = limit;
        _onHang = onHang;
        _thread = new Thread(Watch) { IsBackground = true, Name = "fuzz watchdog" };
        _thread.Start();
    }

    public void Enter(int seed, long index, FuzzCase input) => _current = new InFlight(seed, index, input, Stopwatch.GetTimestamp());

    public void Exit() => _current = null;

    private void Watch()
    {
        while (!_stop.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100)))
        {
            if (_current is not { } running || Stopwatch.GetElapsedTime(running.StartedAt) < _limit) continue;
            _onHang(new Finding(_target, running.Seed, running.Index, FindingKind.Hang,
                $"still running after {_limit.TotalSeconds:0} s", running.Input) { Signature = $"{FindingKind.Hang}: {_target}" });
            return;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }
}
