using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace ModelMerge.Benchmarks;

/// <summary>One timed merge: how long the pipeline took, the CPU time the process spent meanwhile, and its memory.</summary>
/// <param name="AllocatedBytes">Managed heap bytes allocated during the run, on every thread: the garbage the merge makes.</param>
public sealed record RunMeasurement(TimeSpan Elapsed, TimeSpan CpuTime, MemoryUse Memory, long OutputBytes, long AllocatedBytes)
{
    /// <summary>Cores kept busy on average: well under the machine's count means waiting (I/O, or a serial phase), or other processes taking the cores.</summary>
    public double CoresBusy => CpuTime / Elapsed;
}

/// <summary>
/// Runs merge pipelines in one in-process PowerShell runspace, the way the Host and the
/// pipeline tests do. The runspace is opened once, so engine start-up and module import
/// stay out of every timing; only Invoke() of the user's pipeline is timed.
/// </summary>
public sealed class PipelineRun : IDisposable
{
    private readonly Runspace _runspace;

    public PipelineRun()
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(Path.Combine(AppContext.BaseDirectory, "ModelMerge.psd1"));
        _runspace = RunspaceFactory.CreateRunspace(state);
        _runspace.Open();
    }

    /// <summary>The device every following merge computes on, as a user sets it for a session ($ModelMergeDevice).</summary>
    public void SetDevice(string device) => _runspace.SessionStateProxy.SetVariable("ModelMergeDevice", device);

    /// <param name="beforeRun">Runs just before the clock starts (the cold runs empty the page cache).</param>
    public RunMeasurement Measure(MergeScenario scenario, BenchmarkInputs inputs, string output, Action? beforeRun = null)
    {
        DeleteOutput(output);
        _runspace.SessionStateProxy.SetVariable("base", inputs.Base);
        _runspace.SessionStateProxy.SetVariable("ft1", inputs.FineTuned[0]);
        _runspace.SessionStateProxy.SetVariable("ft2", inputs.FineTuned[1]);
        _runspace.SessionStateProxy.SetVariable("out", output);
        using var shell = PowerShell.Create(_runspace);
        shell.AddScript(scenario.Script);

        // Garbage from the previous run (or the floor's buffers) would otherwise count towards this run's
        // peak: an aggressive collection also hands the freed heap back to the system, so every run
        // starts from the same resident size however much the one before it allocated.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        beforeRun?.Invoke();
        using var memory = PeakMemory.Start();

        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        shell.Invoke();
        var elapsed = clock.Elapsed;
        var cpuTime = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        var memoryUse = memory.Stop();
        if (shell.HadErrors)
            throw new InvalidOperationException($"{scenario.Name} failed: " +
                string.Join(Environment.NewLine, shell.Streams.Error.Select(e => e.ToString())));
        long written = BenchmarkInputs.WeightFiles(output).Sum(f => new FileInfo(f).Length);
        DeleteOutput(output);
        return new RunMeasurement(elapsed, cpuTime, memoryUse, written, allocated);
    }

    private static void DeleteOutput(string output)
    {
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
    }

    public void Dispose() => _runspace.Dispose();
}
