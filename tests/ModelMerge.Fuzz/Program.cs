using ModelMerge.Fuzz;
using ModelMerge.Fuzz.Harness;

FuzzArguments arguments;
try
{
    arguments = FuzzArguments.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

string findings = Path.GetFullPath(arguments.FindingsFolder);
if (arguments.ReplayCase is long replay) return Replay(arguments.Targets[0], arguments.Seed, replay);

var store = new FindingStore(findings);
using var journal = CaseJournal.Open(Path.Combine(findings, "in-flight.journal"), out var crashed);
if (crashed is not null)
{
    store.Add(crashed);
    Console.WriteLine($"The last run died in {crashed.Target} case {crashed.Case} of seed {crashed.Seed}; saved under {findings} (replay: {crashed.Replay}).");
}

var reports = new List<FuzzReport>();
foreach (var name in arguments.Targets)
{
    Console.WriteLine($"{name}: seed {arguments.Seed}, up to {arguments.Cases:N0} cases" + (arguments.Budget is { } b ? $" or {b.TotalSeconds:0} s" : ""));
    using var target = FuzzTargets.Create(name);
    var targetStore = new FindingStore(findings);
    var runner = new FuzzRunner(target, FuzzLimits.Default, targetStore) { Journal = journal, Log = Console.Out };
    var report = runner.Run(arguments.Seed, arguments.Cases, arguments.Budget);
    reports.Add(report);
    if (report.Findings > 0) Console.WriteLine(report.Describe());
}

Console.WriteLine();
Console.WriteLine(ReportTable.Format(reports));
int total = reports.Sum(r => r.Findings) + store.Count;
if (total > 0) Console.WriteLine($"\n{total} findings; inputs saved under {findings}");
return total == 0 ? 0 : 1;

static int Replay(string name, int seed, long index)
{
    using var target = FuzzTargets.Create(name);
    var input = target.Prepare(CaseSeed.For(seed, index));
    Console.WriteLine($"{name} seed {seed} case {index}: {input.Input.Length} bytes{(input.Note is null ? "" : $"; {input.Note}")}");
    try
    {
        input.Run();
        Console.WriteLine("parsed");
        return 0;
    }
    catch (Exception ex)
    {
        string? why = target.Undocumented(ex);
        Console.WriteLine(why is null ? $"refused as documented: {ex.Message}" : $"FINDING: {why}\n{ex}");
        return why is null ? 0 : 1;
    }
}
