using System.Globalization;
using System.Text;

namespace ModelMerge.Benchmarks;

/// <summary>One build of the pipeline: wall time, and the CPU time the process spent meanwhile (which other processes on the machine do not inflate).</summary>
public sealed record ConstructionRun(TimeSpan Elapsed, TimeSpan CpuTime);

/// <summary>One construction benchmark: the models it ran over and how long building the pipeline took.</summary>
/// <param name="StartUp">Opening the runspace with the module imported, which no run includes.</param>
/// <param name="Cold">The first run in the session.</param>
/// <param name="Warm">The runs after it.</param>
public sealed record ConstructionRow(string Models, int Steps, int ModelCount, int TensorsPerModel, long ParametersPerModel,
    long BytesPerModel, TimeSpan StartUp, ConstructionRun Cold, IReadOnlyList<ConstructionRun> Warm)
{
    public ConstructionRun Best => Warm.MinBy(r => r.Elapsed)!;
}

/// <summary>Renders a construction row as an aligned console table or as Markdown, with the same columns and notes.</summary>
public static class ConstructionTable
{
    private static readonly string[] Headers =
    [
        "models", "steps", "inputs", "tensors / model", "parameters / model", "size / model", "first run (cold)", "best warm run", "warm runs",
        "CPU: first / best",
    ];

    private static IReadOnlyList<string> Notes(ConstructionRow row) =>
    [
        $"time: the pipeline's Invoke() in an open runspace, Export-Checkpoint -WhatIf included; opening the runspace and importing the module " +
        $"({Milliseconds(row.StartUp)}) are not. The first run compiles the cmdlets and plans; the warm runs repeat it {row.Warm.Count} times.",
        "inputs: stored checkpoints the pipeline opens (a base and fine-tunes); each is a sharded folder of sparse files holding headers only.",
        "CPU: the process's CPU time during the first and the best run, every thread counted (the JIT's and the GC's too); " +
        "unlike wall time, other processes taking the cores do not inflate it.",
    ];

    public static string Console(RunFacts facts, ConstructionRow row)
    {
        var cells = Cells(row);
        var widths = Headers.Select((h, i) => Math.Max(h.Length, cells[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var (name, value) in facts.Lines()) text.AppendLine($"{name + ":",-12}{value}");
        text.AppendLine();
        text.AppendLine(Line(Headers, widths));
        text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        text.AppendLine(Line(cells, widths));
        text.AppendLine();
        foreach (var note in Notes(row)) text.AppendLine("* " + note);
        return text.ToString();
    }

    public static string Markdown(RunFacts facts, ConstructionRow row)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in facts.Lines()) text.AppendLine($"- **{name}:** {value}");
        text.AppendLine();
        text.AppendLine("| " + string.Join(" | ", Headers) + " |");
        text.AppendLine("|" + string.Concat(Headers.Select((_, i) => i == 0 ? "---|" : "---:|")));
        text.AppendLine("| " + string.Join(" | ", Cells(row)) + " |");
        text.AppendLine();
        foreach (var note in Notes(row)) text.AppendLine("- " + note);
        return text.ToString();
    }

    private static string[] Cells(ConstructionRow row) =>
    [
        row.Models,
        row.Steps.ToString(CultureInfo.InvariantCulture),
        row.ModelCount.ToString(CultureInfo.InvariantCulture),
        row.TensorsPerModel.ToString("N0", CultureInfo.InvariantCulture),
        row.ParametersPerModel.ToString("N0", CultureInfo.InvariantCulture),
        (row.BytesPerModel / 1e9).ToString("F1", CultureInfo.InvariantCulture) + " GB",
        Milliseconds(row.Cold.Elapsed),
        Milliseconds(row.Best.Elapsed),
        string.Join(" / ", row.Warm.Select(r => r.Elapsed.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture))),
        $"{Milliseconds(row.Cold.CpuTime)} / {Milliseconds(row.Best.CpuTime)}",
    ];

    private static string Line(IReadOnlyList<string> cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd();

    private static string Milliseconds(TimeSpan t) => t.TotalMilliseconds.ToString("N0", CultureInfo.InvariantCulture) + " ms";
}
