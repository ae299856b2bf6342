using System.Management.Automation;
using ModelMerge.Benchmarks;

// Times ModelMerge pipelines on generated llama checkpoints against the I/O floor of the
// same machine, and prints a table (see BENCHMARKS.md). Figures only from -c Release:
//
//   dotnet run -c Release --project tests/ModelMerge.Benchmarks -- --preset tinyllama [--method ties|dare-ties|task-arithmetic|linear|all]
//       [--cache DIR] [--markdown FILE] [--runs N] [--cold] [--device cpu|cuda|both]
//   dotnet run -c Release --project tests/ModelMerge.Benchmarks -- --construct    (pipeline construction over 70B headers, see ConstructionBenchmark)
//   dotnet run -c Release --project tests/ModelMerge.Benchmarks -- --many-tensors N  (fixed cost per tensor: N tiny tensors, TIES against a copy)
//   dotnet run -c Release --project tests/ModelMerge.Benchmarks -- --gpu-kernels  (device kernels against the device's bandwidth, see GpuKernelBenchmark)
//   dotnet run -c Release --project tests/ModelMerge.Benchmarks -- --della-row N  (DELLA's row ranking: time and peak memory, see DellaRowBenchmark)

if (args.Contains(GpuKernelBenchmark.Option)) return GpuKernelBenchmark.Run(args.Where(a => a != GpuKernelBenchmark.Option).ToList());
if (args.Contains(ManyTensorsBenchmark.Option)) return ManyTensorsBenchmark.Run(args.Where(a => a != ManyTensorsBenchmark.Option).ToList());
if (args.Contains(DellaRowBenchmark.Option)) return DellaRowBenchmark.Run(args);
if (args.Contains(ConstructionBenchmark.Option)) return ConstructionBenchmark.Run(args.Where(a => a != ConstructionBenchmark.Option).ToList());

var preset = BenchmarkPreset.TinyLlama;
var scenarios = new[] { MergeScenario.Ties } as IReadOnlyList<MergeScenario>;
string cacheRoot = BenchmarkCache.DefaultRoot;
string? markdown = null;
int runs = 2;
bool cold = false;
string[] devices = ["Cpu"];
for (int i = 0; i < args.Length; i++)
{
    string option = args[i];
    string? Value() => i + 1 < args.Length ? args[++i] : null;
    switch (option)
    {
        case "--preset" when Value() is string name && BenchmarkPreset.Find(name) is { } found: preset = found; break;
        case "--method" when Value() is string name && MergeScenario.Select(name) is { } selected: scenarios = selected; break;
        case "--cache" when Value() is string folder: cacheRoot = folder; break;
        case "--markdown" when Value() is string file: markdown = Path.GetFullPath(file); break;
        case "--runs" when int.TryParse(Value(), out int n) && n > 0: runs = n; break;
        case "--cold": cold = true; break;
        case "--device" when Value() is string device && BenchmarkDevices.Parse(device) is { } chosen: devices = chosen; break;
        default: return Usage(option == args[i] ? $"Unknown argument or missing value: {option}" : $"Bad value for {option}: {args[i]}");
    }
}

Console.WriteLine($"ModelMerge benchmark: {preset.Description}; methods {string.Join(", ", scenarios.Select(s => s.Name))}; best of {runs}.");
#if DEBUG
Console.WriteLine("WARNING: Debug build. Use -c Release for figures.");
#endif

if (cold && !PageCache.CanDrop) return Usage("--cold empties the page cache before every run, which needs Linux and root.");
Action? emptyCache = cold ? PageCache.Drop : null;
if (cold) Console.WriteLine("Cold runs: the page cache is emptied before every floor and merge run, so inputs come from the disk.");

var inputs = BenchmarkCache.Ensure(cacheRoot, preset, Console.Out);
string output = Path.Combine(inputs.Folder, "merged");

// One floor per set of models read: a merge of two models is held to reading two.
var floors = new Dictionary<string, IoFloorResult>(StringComparer.Ordinal);
foreach (var reads in scenarios.Select(s => string.Join("+", s.Reads)).Distinct())
{
    Console.WriteLine($"Measuring the I/O floor of {reads} ...");
    var files = inputs.WeightFilesOf(reads.Split('+'));
    var floor = Enumerable.Range(0, runs).Select(_ => IoFloor.Measure(files, inputs.BaseBytes, inputs.Folder, emptyCache)).MinBy(f => f.Total)!;
    floors[reads] = floor;
    Console.WriteLine($"  read {floor.BytesRead / 1e9:F2} GB in {floor.Read.TotalSeconds:F2} s, write {floor.BytesWritten / 1e9:F2} GB in {floor.Write.TotalSeconds:F2} s");
}

var facts = RunFacts.Collect();
var rows = new List<BenchmarkRow>();
using (var pipeline = new PipelineRun())
{
    foreach (var scenario in scenarios)
    foreach (string device in devices)
    {
        pipeline.SetDevice(device);
        string label = devices.Length > 1 || device != "Cpu" ? $"{scenario.Name} @{device.ToLowerInvariant()}" : scenario.Name;
        var measured = new List<RunMeasurement>();
        for (int run = 1; run <= runs; run++)
        {
            Console.Write($"{label} run {run} of {runs} ... ");
            try
            {
                measured.Add(pipeline.Measure(scenario, inputs, output, emptyCache));
            }
            catch (Exception ex) when (ex is RuntimeException or InvalidOperationException)
            {
                Console.WriteLine("failed");
                Console.Error.WriteLine(ex.Message);
                return 1;
            }
            Console.WriteLine($"{measured[^1].Elapsed.TotalSeconds:F2} s");
        }
        var scenarioFloor = floors[string.Join("+", scenario.Reads)];
        rows.Add(new BenchmarkRow(cold ? $"{preset.Name} (cold)" : preset.Name, label, scenarioFloor.BytesRead, measured, scenarioFloor));
    }
}

Console.WriteLine();
Console.Write(ResultTable.Console(facts, rows));
if (markdown is not null)
{
    File.WriteAllText(markdown, ResultTable.Markdown(facts, rows));
    Console.WriteLine($"Wrote {markdown}");
}
return 0;

static int Usage(string problem)
{
    Console.Error.WriteLine(problem);
    Console.Error.WriteLine("Usage: modelmerge-benchmarks [--preset " + string.Join('|', BenchmarkPreset.All.Select(p => p.Name)) +
        "] [--method " + string.Join('|', MergeScenario.All.Select(s => s.Name)) + "|all] [--cache DIR] [--markdown FILE] [--runs N] [--cold] [--device cpu|cuda|both]");
    return 2;
}
