using System.Diagnostics;

namespace ModelMerge.Fuzz.Harness;

/// <summary>
/// Runs cases of one target against the oracle: each case either parses or fails with the
/// parser's documented exception, within <see cref="FuzzLimits"/> of time and allocation.
/// Everything else is a <see cref="Finding"/>. Cases run one at a time on the calling thread,
/// since allocation is counted per thread.
/// </summary>
public sealed class FuzzRunner(FuzzTarget target, FuzzLimits limits, FindingStore store)
{
    /// <summary>Records the case in flight so that a crash of the process leaves it behind; optional.</summary>
    public CaseJournal? Journal { get; init; }

    /// <summary>Where progress and first findings are written; null writes nothing.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>Called with a hung case, from the watchdog's thread; by default saves it, says so and ends the process.</summary>
    public Action<Finding>? OnHang { get; init; }

    /// <summary>
    /// Runs cases <paramref name="firstCase"/> .. <paramref name="firstCase"/> + <paramref name="cases"/> - 1
    /// of <paramref name="seed"/>, stopping early when <paramref name="budget"/> runs out.
    /// </summary>
    public FuzzReport Run(int seed, long cases, TimeSpan? budget = null, long firstCase = 0)
    {
        using var watchdog = new HangWatchdog(target.Name, limits.Hang, OnHang ?? EndOnHang);
        var clock = Stopwatch.StartNew();
        var nextProgress = TimeSpan.FromSeconds(10);
        int findingsBefore = store.Count;
        TimeSpan slowest = TimeSpan.Zero;
        long mostAllocated = 0, done = 0, parserTicks = 0, accepted = 0;

        for (long index = firstCase; index < firstCase + cases; index++)
        {
            if (budget is { } limit && clock.Elapsed >= limit) break;
            var input = target.Prepare(CaseSeed.For(seed, index));

            Journal?.Begin(target.Name, seed, index, input);
            watchdog.Enter(seed, index, input);
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            long started = Stopwatch.GetTimestamp();
            Exception? failure = null;
            try
            {
                input.Run();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            var elapsed = Stopwatch.GetElapsedTime(started);
            parserTicks += elapsed.Ticks;
            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            watchdog.Exit();
            Journal?.End();
            done++;
            if (failure is null) accepted++;

            if (elapsed > slowest) slowest = elapsed;
            if (allocated > mostAllocated) mostAllocated = allocated;
            if (failure is not null && target.Undocumented(failure) is { } why)
                Record(Finding.FromException(target.Name, seed, index, input, failure, why));
            if (elapsed > limits.SlowCase)
                Record(new Finding(target.Name, seed, index, FindingKind.Slow,
                    $"took {elapsed.TotalMilliseconds:0} ms (limit {limits.SlowCase.TotalMilliseconds:0} ms); input {input.Input.Length} bytes", input));
            if (allocated > limits.AllocationCap)
                Record(new Finding(target.Name, seed, index, FindingKind.Allocation,
                    $"allocated {allocated / 1048576.0:0.0} MiB (cap {limits.AllocationCap / 1048576} MiB); input {input.Input.Length} bytes", input));

            if (Log is not null && clock.Elapsed >= nextProgress)
            {
                Log.WriteLine($"  {target.Name}: {done:N0} cases, {store.Count - findingsBefore} findings, {done / clock.Elapsed.TotalSeconds:N0}/s");
                nextProgress += TimeSpan.FromSeconds(10);
            }
        }

        return new FuzzReport(target.Name, seed, done, accepted, store.Count - findingsBefore, clock.Elapsed, new TimeSpan(parserTicks), slowest, mostAllocated, store.Distinct());
    }

    private void Record(Finding finding)
    {
        if (store.Add(finding) && Log is not null)
            Log.WriteLine($"  FINDING {finding.Signature}\n    replay: {finding.Replay}\n    {FirstLine(finding.Detail)}");
    }

    private void EndOnHang(Finding finding)
    {
        store.Add(finding);
        Console.Error.WriteLine($"HANG in {finding.Target}: {finding.Detail}; replay: {finding.Replay}"
            + (store.Folder is null ? "" : $"; input saved under {store.Folder}"));
        Environment.Exit(3);
    }

    private static string FirstLine(string text)
    {
        int end = text.IndexOf('\n');
        return end < 0 ? text : text[..end];
    }
}
