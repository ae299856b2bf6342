using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using ModelMerge.Formats;
using ModelMerge.TestData;

// Runs a ModelMerge runbook (.ps1) in an in-process PowerShell engine, for machines without
// pwsh. With no -Base argument it first generates small demo checkpoints to run on.
//
//   modelmerge-host [script.ps1] [-Name value ...]
//   modelmerge-host --demo-folder ./demo examples/card-pipeline.ps1

string? demoFolder = null;
string? script = null;
var scriptArgs = new List<(string Name, object? Value)>();
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--demo-folder" && i + 1 < args.Length) demoFolder = args[++i];
    else if (args[i].StartsWith('-') && args[i].Length > 1)
    {
        string name = args[i][1..];
        if (i + 1 < args.Length && !args[i + 1].StartsWith('-')) scriptArgs.Add((name, args[++i].Split(',')));
        else scriptArgs.Add((name, true));
    }
    else script ??= args[i];
}
script = Path.GetFullPath(script ?? Path.Combine("examples", "card-pipeline.ps1"));
if (!File.Exists(script))
{
    Console.Error.WriteLine($"No script at {script}. Usage: modelmerge-host [script.ps1] [-Name value ...]");
    return 2;
}

if (!scriptArgs.Any(a => a.Name.Equals("Base", StringComparison.OrdinalIgnoreCase)))
{
    demoFolder = Path.GetFullPath(demoFolder ?? "demo");
    Console.WriteLine($"No -Base given: generating demo llama checkpoints (base, ft1, ft2) in {demoFolder}");
    var shape = LlamaShape.Tiny with { Hidden = 256, Intermediate = 688, Layers = 4, Heads = 8, KeyValueHeads = 4, Vocab = 2048 };
    var paths = new[] { "base", "ft1", "ft2" }.Select(n => Path.Combine(demoFolder, n)).ToArray();
    for (int i = 0; i < paths.Length; i++)
    {
        if (Directory.Exists(paths[i])) continue;
        LlamaCheckpointGenerator.Write(paths[i], new GeneratedModel(shape, DType.BF16, BaseSeed: 1, FineTuneSeed: i == 0 ? null : (ulong)i));
    }
    scriptArgs.Add(("Base", paths[0]));
    scriptArgs.Add(("FineTuned", new[] { paths[1], paths[2] }));
    if (!scriptArgs.Any(a => a.Name.Equals("Output", StringComparison.OrdinalIgnoreCase)))
        scriptArgs.Add(("Output", Path.Combine(demoFolder, Path.GetFileNameWithoutExtension(script) + "-output")));
    if (!scriptArgs.Any(a => a.Name.Equals("Force", StringComparison.OrdinalIgnoreCase)))
        scriptArgs.Add(("Force", true));
}

var state = InitialSessionState.CreateDefault2();
state.ImportPSModule(Path.Combine(AppContext.BaseDirectory, "ModelMerge.psd1"));
using var runspace = RunspaceFactory.CreateRunspace(state);
runspace.Open();
runspace.SessionStateProxy.Path.SetLocation(Environment.CurrentDirectory);
using var shell = PowerShell.Create(runspace);
shell.AddCommand(script);
foreach (var (name, value) in scriptArgs) shell.AddParameter(name, value is string[] { Length: 1 } one ? one[0] : value);

Console.WriteLine($"Running {script}");
foreach (var (name, value) in scriptArgs)
    Console.WriteLine($"  -{name} {(value is IEnumerable e and not string ? string.Join(", ", e.Cast<object>()) : value)}");

shell.Streams.Verbose.DataAdded += (_, e) => Console.WriteLine("VERBOSE: " + shell.Streams.Verbose[e.Index].Message);
shell.Streams.Warning.DataAdded += (_, e) => Console.WriteLine("WARNING: " + shell.Streams.Warning[e.Index].Message);
shell.Streams.Error.DataAdded += (_, e) => Console.Error.WriteLine("ERROR: " + shell.Streams.Error[e.Index]);
var clock = Stopwatch.StartNew();
try
{
    foreach (var item in shell.Invoke()) Console.WriteLine(Describe(item));
}
catch (RuntimeException ex)
{
    Console.Error.WriteLine($"ERROR: {ex.ErrorRecord.FullyQualifiedErrorId}: {ex.Message}");
    return 1;
}
Console.WriteLine($"Finished in {clock.Elapsed.TotalSeconds:F2} s.");
return shell.HadErrors ? 1 : 0;

static string Describe(PSObject item) => item.BaseObject switch
{
    ModelMerge.Plans.Handles.CheckpointHandle c =>
        $"{c.Name}: {c.TensorCount} tensors, {c.ParameterCount:N0} parameters, {string.Join(",", c.DTypes)}, " +
        (c.SizeOnDisk is long size ? $"{size / 1e6:N1} MB at {c.Path}" : c.Description),
    _ => item.ToString(),
};
