using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using ModelMerge.Formats;
using ModelMerge.Plans.Handles;
using ModelMerge.TestData;

namespace ModelMerge.Benchmarks;

/// <summary>
/// How long building a ten-step pipeline takes over Llama-2-70B-shaped checkpoints that hold
/// headers only (sparse files, see <see cref="HeaderOnlyCheckpointGenerator"/>). Construction
/// reads headers and nothing else, so it must stay instant whatever the model size; the export
/// at the end is a -WhatIf, which validates the target and writes nothing.
///
///   dotnet run -c Release --project tests/ModelMerge.Benchmarks -- --construct [--runs N] [--cache DIR] [--markdown FILE]
/// </summary>
public static class ConstructionBenchmark
{
    public const string Option = "--construct";

    /// <summary>Ten commands, every kind of handle: stored, task vectors, DARE, TIES, SLERP, DELLA, task arithmetic.</summary>
    public const string Script = """
        $merged = Get-Checkpoint $base |
            Get-TaskVector $ft1,$ft2,$ft3 |
            Invoke-DareDrop -Density 0.5 -Seed 7 |
            Invoke-TiesMerge -Density 1 |
            Invoke-Merge slerp -Base $ft1 -T 0.3 |
            Get-TaskVector $ft2,$ft3 |
            Invoke-Merge della -Density 0.5 -Epsilon 0.1 -Seed 3 |
            Get-TaskVector $ft1,$ft3 |
            Invoke-TaskArithmetic -Lambda 0.8
        $merged | Export-Checkpoint $out -WhatIf
        $merged
        """;

    public const int Steps = 10;

    private static readonly string[] ModelNames = ["base", "ft1", "ft2", "ft3"];

    public static int Run(IReadOnlyList<string> args)
    {
        int runs = 5;
        string cacheRoot = BenchmarkCache.DefaultRoot;
        string? markdown = null;
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            string? Value() => i + 1 < args.Count ? args[++i] : null;
            switch (option)
            {
                case "--runs" when int.TryParse(Value(), out int n) && n > 0: runs = n; break;
                case "--cache" when Value() is string root: cacheRoot = root; break;
                case "--markdown" when Value() is string file: markdown = Path.GetFullPath(file); break;
                default:
                    Console.Error.WriteLine($"Unknown argument or bad value: {option}");
                    Console.Error.WriteLine($"Usage: modelmerge-benchmarks {Option} [--runs N] [--cache DIR] [--markdown FILE]");
                    return 2;
            }
        }

        var shape = LlamaShape.Llama2_70B;
        string folder = Path.Combine(Path.GetFullPath(cacheRoot), "construct-llama2-70b");
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        try
        {
            var models = ModelNames.Select((name, i) => HeaderOnlyCheckpointGenerator.Write(Path.Combine(folder, name),
                new GeneratedModel(shape, DType.BF16, BaseSeed: 1, FineTuneSeed: i == 0 ? null : (ulong)i))).ToList();
            Console.WriteLine($"ModelMerge construction benchmark: a {Steps}-step pipeline over {models.Count} Llama-2-70B-shaped header-only checkpoints in {folder}; " +
                $"one cold run, then best of {runs}.");
#if DEBUG
            Console.WriteLine("WARNING: Debug build. Use -c Release for figures.");
#endif
            var facts = RunFacts.Collect();
            var row = Measure(models, Path.Combine(folder, "merged"), runs);
            Console.WriteLine();
            Console.Write(ConstructionTable.Console(facts, row));
            if (markdown is not null)
            {
                File.WriteAllText(markdown, ConstructionTable.Markdown(facts, row));
                Console.WriteLine($"Wrote {markdown}");
            }
            return 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or RuntimeException)
        {
            Console.Error.WriteLine(ex.Message);
            return 1;
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private static ConstructionRow Measure(IReadOnlyList<string> models, string output, int runs)
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(Path.Combine(AppContext.BaseDirectory, "ModelMerge.psd1"));
        using var runspace = RunspaceFactory.CreateRunspace(state);
        var clock = Stopwatch.StartNew();
        runspace.Open();
        var startUp = clock.Elapsed;
        for (int i = 0; i < models.Count; i++) runspace.SessionStateProxy.SetVariable(ModelNames[i], models[i]);
        runspace.SessionStateProxy.SetVariable("out", output);

        // The first run pays for JIT compilation of the cmdlets and plans: what a user's first pipeline in a session costs.
        var (cold, merged) = TimeOnce(runspace, output);
        var warm = Enumerable.Range(0, runs).Select(_ => TimeOnce(runspace, output).Run).ToList();
        var stored = CheckpointHandle.Open(models[0]);
        if (merged.TensorCount != stored.TensorCount || merged.ParameterCount != stored.ParameterCount)
            throw new InvalidOperationException($"the pipeline built {merged.TensorCount} tensors ({merged.ParameterCount:N0} parameters); the models hold {stored.TensorCount}.");
        return new ConstructionRow("llama2-70b (headers only)", Steps, models.Count, stored.TensorCount, stored.ParameterCount,
            stored.SizeOnDisk ?? 0, startUp, cold, warm);
    }

    private static (ConstructionRun Run, CheckpointHandle Merged) TimeOnce(Runspace runspace, string output)
    {
        using var shell = PowerShell.Create(runspace);
        shell.AddScript(Script);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var result = shell.Invoke();
        var run = new ConstructionRun(clock.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpuBefore);
        if (shell.HadErrors)
            throw new InvalidOperationException("the pipeline failed: " + string.Join(Environment.NewLine, shell.Streams.Error.Select(e => e.ToString())));
        if (Directory.Exists(output)) throw new InvalidOperationException($"Export-Checkpoint -WhatIf wrote {output}.");
        if (result is not [{ BaseObject: CheckpointHandle merged }])
            throw new InvalidOperationException($"the pipeline returned {result.Count} objects, not one checkpoint handle.");
        return (run, merged);
    }
}
